using Contracts.CodeAnalysis;
using Contracts.Generator.Emit.WireTypes;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>Writes a contract's partial: marker interface, descriptor, idempotency key and formatters.</summary>
internal static class ContractEmitter
{
    public static string Emit(ContractSpec spec)
    {
        var w = new SourceWriter();
        Header.Write(w);
        PartialFrame.Open(w, spec.Namespace, spec.Containers);

        string type = spec.FullyQualifiedName;
        string marker = spec.Kind switch
        {
            ContractKind.Command => "global::Contracts.ICommand, ",
            ContractKind.Event => "global::Contracts.IEvent, ",
            _ => "",
        };

        w.Open($"partial {spec.Keyword} {TypeNames.Escape(spec.Name)} : {marker}global::Contracts.IContract<{type}>");
        string formatter = spec.IsComplete ? spec.Shape.FormatterName + ".Instance" : "__ContractsUnavailableFormatter.Instance";
        string result = spec.ResultType is null ? "" : $", resultTypeName: \"{spec.ResultType.Replace("global::", "")}\"";
        bool partitioned = spec.IsComplete && HasPartitionKey(spec);
        if (partitioned)
        {
            result += ", partitioned: true";
        }

        if (spec.IsComplete)
        {
            result += UpcastEmitter.DescriptorArgument(spec);
        }

        // The result formatter is composed like a member's formatter field, with the same nullable mismatches (MessagePack
        // declares its string and byte[] formatters for string? and byte[]?): where there is one, warnings are off here too.
        bool warningsOff = spec.Result is not null && FormatterEmitter.HasNullableMismatch(spec.Result);
        if (warningsOff)
        {
            w.Line("#nullable disable warnings");
        }

        w.Line(Header.GeneratedCode);
        w.Line($"private static readonly global::Contracts.ContractDescriptor<{type}> __ContractsDescriptor =");
        if (spec.Result is null)
        {
            w.Line($"    new(\"{Escape(spec.WireName)}\", {spec.Version}, global::Contracts.MessageKind.{spec.Kind}, {formatter}{result});");
        }
        else
        {
            w.Line($"    new(\"{Escape(spec.WireName)}\", {spec.Version}, global::Contracts.MessageKind.{spec.Kind}, {formatter}{result},");
            w.Line($"        resultFormatter: new global::Contracts.QueryResultFormatter<{spec.Result.FullyQualifiedName}>({FormatterEmitter.FormatterExpression(spec.Result)}));");
        }

        if (warningsOff)
        {
            w.Line("#nullable restore warnings");
        }

        w.Line();
        w.Line($"static global::Contracts.ContractDescriptor<{type}> global::Contracts.IContract<{type}>.Contract => __ContractsDescriptor;");
        w.Line();
        w.Line("global::Contracts.ContractDescriptor global::Contracts.IMessage.Descriptor => __ContractsDescriptor;");
        w.Line();
        EmitIdempotencyKey(w, spec);
        if (partitioned)
        {
            EmitPartitionKey(w, spec);
        }

        if (!spec.IsComplete)
        {
            EmitUnavailableFormatter(w, spec);
        }
        else
        {
            UpcastEmitter.Emit(w, spec);
            // Formatter code runs with nullable warnings off: a nil on the wire may land in any reference-typed member.
            w.Line();
            w.Line("#nullable disable warnings");
            FormatterEmitter.Emit(w, spec.Shape, TypeNames.Escape(spec.Name));
            PartialFrame.NestedFormatterBodies(w, spec.NestedObjects, spec.NestedEnums);

            w.Line("#nullable restore warnings");
        }

        PartialFrame.Close(w, spec.Namespace, spec.Containers);

        return w.ToString();
    }

    private static void EmitIdempotencyKey(SourceWriter w, ContractSpec spec)
    {
        string signature = $"static string? global::Contracts.IContract<{spec.FullyQualifiedName}>.GetIdempotencyKey({spec.FullyQualifiedName} message)";
        bool any = false;
        foreach (MemberSpec member in spec.Shape.Members)
        {
            any |= member.IsKey;
        }

        if (!any)
        {
            w.Line($"{signature} => null;");
            return;
        }

        using (w.Block(signature))
        {
            w.Line($"var key = new global::Contracts.Serialization.IdempotencyKeyBuilder(\"{Escape(spec.WireName)}\");");
            foreach (MemberSpec member in spec.Shape.Members)
            {
                if (!member.IsKey)
                {
                    continue;
                }

                w.Line(WireTypeTable.For(member.Type.Kind).AppendKey(member.Type, "message." + TypeNames.Escape(member.Name), "__" + member.Name));
            }

            w.Line("return key.ToString();");
        }
    }

    private static bool HasPartitionKey(ContractSpec spec)
    {
        foreach (MemberSpec member in spec.Shape.Members)
        {
            if (member.IsPartitionKey)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The key's hash, from the members' canonical values in wire order: the same key hashes the same in every process.</summary>
    private static void EmitPartitionKey(SourceWriter w, ContractSpec spec)
    {
        w.Line();
        using (w.Block($"static ulong? global::Contracts.IContract<{spec.FullyQualifiedName}>.GetPartitionKey({spec.FullyQualifiedName} message)"))
        {
            w.Line("var key = new global::Contracts.Serialization.PartitionKeyHasher();");
            foreach (MemberSpec member in spec.Shape.Members)
            {
                if (member.IsPartitionKey)
                {
                    w.Line(WireTypeTable.For(member.Type.Kind).AppendKey(member.Type, "message." + TypeNames.Escape(member.Name), "__" + member.Name));
                }
            }

            w.Line("return key.ToHash();");
        }
    }

    private static void EmitUnavailableFormatter(SourceWriter w, ContractSpec spec)
    {
        w.Line();
        string reason = spec.Error is not null
            ? $"The Contracts generator failed on {Escape(spec.Name)}: {Escape(spec.Error)}. Please report it."
            : $"{Escape(spec.Name)} cannot be serialized: {Escape(spec.Blocked!)}.";
        w.Line(spec.Error is not null
            ? "/// <summary>The generator failed on this contract (see diagnostic CTR999); serializing it throws.</summary>"
            : "/// <summary>The contract has errors the generator reported; this surface only keeps them from cascading, and serializing it throws.</summary>");
        w.Line(Header.GeneratedCode);
        using (w.Block($"private sealed class __ContractsUnavailableFormatter : global::MessagePack.Formatters.IMessagePackFormatter<{spec.FullyQualifiedName}>"))
        {
            w.Line("public static readonly __ContractsUnavailableFormatter Instance = new();");
            w.Line($"private const string Reason = \"{reason}\";");
            w.Line($"public void Serialize(ref global::MessagePack.MessagePackWriter writer, {spec.FullyQualifiedName} value, global::MessagePack.MessagePackSerializerOptions options) => throw new global::System.NotSupportedException(Reason);");
            w.Line($"public {spec.FullyQualifiedName} Deserialize(ref global::MessagePack.MessagePackReader reader, global::MessagePack.MessagePackSerializerOptions options) => throw new global::System.NotSupportedException(Reason);");
        }
    }

    public static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n");
}
