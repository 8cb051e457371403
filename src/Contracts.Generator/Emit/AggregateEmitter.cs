using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes an aggregate's partial: its definition (<c>IAggregateDefinition&lt;TSelf&gt;</c>: stream name, snapshot
/// interval, state shape, creation, the state's generated formatter) and the override of <c>ApplyEvent</c>, a type
/// switch that calls each Apply method.
/// </summary>
internal static class AggregateEmitter
{
    public static string Emit(AggregateSpec spec)
    {
        var w = new SourceWriter();
        Header.Write(w);
        PartialFrame.Open(w, spec.Namespace, spec.Containers);

        string self = spec.FullyQualifiedName;
        string definition = $"global::Contracts.EventSourcing.IAggregateDefinition<{self}>";
        w.Open($"partial class {TypeNames.Escape(spec.Name)} : {definition}");
        w.Line("/// <summary>The prefix of this aggregate's streams: the one with id 42 is stored in stream \"" + ContractEmitter.Escape(spec.AggregateName) + "-42\".</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static string {definition}.AggregateName => \"{ContractEmitter.Escape(spec.AggregateName)}\";");
        w.Line();
        w.Line("/// <summary>A snapshot is taken every this many events (0: never).</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static int {definition}.SnapshotEvery => {spec.SnapshotEvery.ToString(System.Globalization.CultureInfo.InvariantCulture)};");
        w.Line();
        w.Line("/// <summary>The state's version and shape fingerprint: snapshots taken under another are ignored.</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static string {definition}.StateShape => \"{ContractEmitter.Escape(spec.StateShape)}\";");
        w.Line();
        w.Line("/// <summary>A new aggregate, before its first event.</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static {self} {definition}.Create() => new {self}();");
        w.Line();
        PartialFrame.StateFormatter(w, spec.State, "The state's formatter (generated like a contract's: no reflection).", $"private static readonly global::MessagePack.Formatters.IMessagePackFormatter<{spec.StateType}> __ContractsStateFormatter = ");

        w.Line();
        w.Line("/// <summary>Writes the state for a snapshot.</summary>");
        w.Line(Header.GeneratedCode);
        using (w.Block($"static void {definition}.WriteState({self} aggregate, global::System.Buffers.IBufferWriter<byte> writer)"))
        {
            w.Line("var msgpack = new global::MessagePack.MessagePackWriter(writer);");
            w.Line("__ContractsStateFormatter.Serialize(ref msgpack, aggregate.State, null!);");
            w.Line("msgpack.Flush();");
        }

        w.Line();
        w.Line("/// <summary>Replaces the state with a snapshot's.</summary>");
        w.Line(Header.GeneratedCode);
        using (w.Block($"static void {definition}.ReadState({self} aggregate, global::System.ReadOnlyMemory<byte> state)"))
        {
            w.Line("var reader = new global::MessagePack.MessagePackReader(state);");
            w.Line("aggregate.State = __ContractsStateFormatter.Deserialize(ref reader, null!)");
            w.Line("    ?? throw new global::MessagePack.MessagePackSerializationException(\"The snapshot holds no state (nil).\");");
        }

        w.Line();
        w.Line("/// <summary>Applies an event to the state with its Apply method; false for an event it has none for.</summary>");
        w.Line(Header.GeneratedCode);
        using (w.Block("protected override bool ApplyEvent(global::Contracts.IEvent @event)"))
        {
            using (w.Block("switch (@event)"))
            {
                foreach (AggregateApplySpec apply in spec.Applies)
                {
                    w.Line($"case {apply.EventType} e:");
                    w.Line("    Apply(e);");
                    w.Line("    return true;");
                }

                w.Line("default:");
                w.Line("    return false;");
            }
        }

        PartialFrame.NestedFormatters(w, spec.NestedObjects, spec.NestedEnums);

        PartialFrame.Close(w, spec.Namespace, spec.Containers);

        return w.ToString();
    }
}
