using System.Collections.Generic;
using System.Linq;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes a saga's partial: its stored name and state formatter (<c>ISagaDefinition&lt;TState&gt;</c>), and a
/// registration that adds one step per message with the read of its [SagaId] member, which the module calls.
/// </summary>
internal static class SagaEmitter
{
    /// <summary>The registration method the module calls.</summary>
    public const string RegisterMethod = "__ContractsRegisterSaga";

    public static string Emit(SagaSpec spec)
    {
        var w = new SourceWriter();
        Header.Write(w);
        PartialFrame.Open(w, spec.Namespace, spec.Containers);

        string definition = $"global::Contracts.Sagas.ISagaDefinition<{spec.StateType}>";
        w.Open($"partial class {TypeNames.Escape(spec.Name)} : {definition}");
        w.Line("/// <summary>The name this saga's instances are stored under.</summary>");
        w.Line(Header.GeneratedCode);
        w.Line($"static string {definition}.SagaName => \"{ContractEmitter.Escape(spec.SagaName)}\";");
        w.Line();
        PartialFrame.StateFormatter(w, spec.State, "Reads and writes the state between steps (generated like a contract's formatter: no reflection).", $"static global::MessagePack.Formatters.IMessagePackFormatter<{spec.StateType}> {definition}.StateFormatter {{ get; }} = ");

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Adds one step per message to the module: the message, how its saga instance is found (its [SagaId] member),");
        w.Line("/// and whether it may start one. Each step is a handler of its message with its own endpoint.");
        w.Line("/// </summary>");
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Line(Header.GeneratedCode);
        using (w.Block($"internal static void {RegisterMethod}(global::Contracts.Modules.ContractsModuleBuilder builder)"))
        {
            string factory = Factory(spec);
            foreach (SagaStepSpec step in spec.Steps)
            {
                w.Line(step.Starts
                    ? $"// {step.MessageName} starts an instance, or runs on the one its {step.IdMember} names."
                    : $"// {step.MessageName} runs on the instance its {step.IdMember} names; with none, or one that ended, it runs no step.");
                w.Line($"builder.AddSagaStep<{spec.FullyQualifiedName}, {spec.StateType}, {step.MessageType}>(");
                w.Line($"    {factory},");
                w.Line($"    static message => global::Contracts.Sagas.SagaKeys.Of(message.{TypeNames.Escape(step.IdMember)}),");
                w.Line($"    starts: {(step.Starts ? "true" : "false")});");
            }
        }

        PartialFrame.NestedFormatters(w, spec.NestedObjects, spec.NestedEnums);

        PartialFrame.Close(w, spec.Namespace, spec.Containers);

        return w.ToString();
    }

    /// <summary>The generator's fallback: a registration without steps, so the module compiles and the saga is simply not wired.</summary>
    public static string EmitEmpty(SagaSpec spec)
    {
        var w = new SourceWriter();
        Header.Write(w);
        PartialFrame.Open(w, spec.Namespace, spec.Containers);

        w.Open($"partial class {TypeNames.Escape(spec.Name)}");
        w.Line(Header.GeneratedCode);
        w.Line($"internal static void {RegisterMethod}(global::Contracts.Modules.ContractsModuleBuilder builder) {{ }}");
        PartialFrame.Close(w, spec.Namespace, spec.Containers);

        return w.ToString();
    }

    private static string Factory(SagaSpec spec)
    {
        if (spec.Constructor is not { } parameters)
        {
            return "null";
        }

        IEnumerable<string> arguments = parameters.Select(static p => p.Optional
            ? $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<{p.Type}>(services)"
            : $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<{p.Type}>(services)");
        return $"static services => new {spec.FullyQualifiedName}({string.Join(", ", arguments)})";
    }
}
