using System.Collections.Generic;
using System.Linq;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;

namespace Contracts.Generator.Emit;

/// <summary>
/// Writes the assembly's module: its catalog, its handler registrations with constructor factories (no
/// reflection), and a module initializer that registers it and the modules of referenced assemblies.
/// </summary>
internal static class ModuleEmitter
{
    public static string ClassName(string assemblyName) => "ContractsModule_" + TypeNames.Identifier(assemblyName);

    public static string Emit(ModuleSpec spec)
    {
        string className = ClassName(spec.AssemblyName);
        var w = new SourceWriter();
        Header.Write(w);
        w.Line($"[assembly: global::Contracts.Modules.ContractsModuleAttribute(typeof(global::Contracts.Generated.{className}))]");
        w.Line();
        using (w.Block("namespace Contracts.Generated"))
        {
            w.Line($"/// <summary>The contracts and handlers of assembly {spec.AssemblyName}, wired at compile time.</summary>");
            w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
            w.Line(Header.GeneratedCode);
            using (w.Block($"public sealed class {className} : global::Contracts.Modules.ContractsModule"))
            {
                w.Line("/// <summary>The module.</summary>");
                w.Line($"public static readonly {className} Instance = new();");
                w.Line();
                w.Line($"private {className}()");
                w.Line("{");
                w.Line("}");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line($"public override string AssemblyName => \"{ContractEmitter.Escape(spec.AssemblyName)}\";");
                w.Line();
                w.Line("/// <summary>What the module holds, for the analyzers of a project that references it (one line per contract and handled message).</summary>");
                w.Line($"public const string {WellKnownNames.ManifestFieldName} = \"{ContractEmitter.Escape(Manifest(spec)).Replace("\t", "\\t")}\";");
                w.Line();
                w.Line("/// <summary>Registers this module and those of referenced assemblies when the assembly loads.</summary>");
                w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
                using (w.Block("internal static void Initialize()"))
                {
                    foreach (string module in spec.ReferencedModules)
                    {
                        w.Line($"global::Contracts.Modules.ContractsModules.Register({module}.Instance);");
                    }

                    w.Line("global::Contracts.Modules.ContractsModules.Register(Instance);");
                }

                w.Line();
                w.Line("/// <inheritdoc/>");
                using (w.Block("public override void Configure(global::Contracts.Modules.ContractsModuleBuilder builder)"))
                {
                    foreach (string contract in spec.Contracts)
                    {
                        w.Line($"builder.AddContract<{contract}>();");
                    }

                    foreach (string saga in spec.Sagas)
                    {
                        w.Line($"{saga}.{SagaEmitter.RegisterMethod}(builder);");
                    }

                    foreach (HandlerSpec handler in MergeHandlers(spec.Handlers))
                    {
                        foreach (HandledSpec handled in handler.Handles)
                        {
                            string factory = Factory(handler);
                            w.Line(handled.Kind switch
                            {
                                ContractKind.Command => $"builder.AddCommandHandler<{handled.MessageType}, {handler.FullyQualifiedName}>({factory});",
                                ContractKind.Event => $"builder.AddEventHandler<{handled.MessageType}, {handler.FullyQualifiedName}>({factory});",
                                _ => $"builder.AddQueryHandler<{handled.MessageType}, {handled.ResultType}, {handler.FullyQualifiedName}>({factory});",
                            });
                        }
                    }
                }
            }
        }

        return w.ToString();
    }

    /// <summary>
    /// "C\tname\tversion\ttype" per contract, "H\tkind\tmessage\thandler" per handled message and "S\tkind\tmessage\tsaga"
    /// per saga step, one per line, sorted: what CTR001, CTR005 and CTR035 need to check the modules a host references
    /// together, read from metadata as a constant.
    /// </summary>
    public static string Manifest(ModuleSpec spec)
    {
        var lines = new List<string>(spec.Catalog.Count + spec.Handlers.Count);
        foreach (string entry in spec.Catalog)
        {
            lines.Add("C\t" + entry);
        }

        foreach (HandlerSpec handler in MergeHandlers(spec.Handlers))
        {
            foreach (HandledSpec handled in handler.Handles)
            {
                lines.Add("H\t" + handled.Kind + "\t" + handled.MessageType + "\t" + handler.FullyQualifiedName);
            }
        }

        foreach (string step in spec.SagaSteps)
        {
            lines.Add("S\t" + step);
        }

        lines.Sort(System.StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    /// <summary>A partial handler may name its interfaces in several declarations: one registration per message.</summary>
    private static IEnumerable<HandlerSpec> MergeHandlers(EquatableArray<HandlerSpec> handlers)
    {
        foreach (IGrouping<string, HandlerSpec> group in handlers.GroupBy(static h => h.FullyQualifiedName).OrderBy(static g => g.Key, System.StringComparer.Ordinal))
        {
            HandlerSpec first = group.First();
            HandledSpec[] handles = group.SelectMany(static h => h.Handles).Distinct()
                .OrderBy(static h => h.MessageType, System.StringComparer.Ordinal).ToArray();
            yield return first with { Handles = handles.ToEquatableArray() };
        }
    }

    private static string Factory(HandlerSpec handler)
    {
        if (handler.Constructor is not { } parameters)
        {
            return "";
        }

        IEnumerable<string> arguments = parameters.Select(static p => p.Optional
            ? $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<{p.Type}>(services)"
            : $"global::Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<{p.Type}>(services)");
        return $"static services => new {handler.FullyQualifiedName}({string.Join(", ", arguments)})";
    }
}
