using System.Collections.Immutable;
using System.Linq;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit;
using Contracts.Generator.Model;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator;

/// <summary>
/// Generates, per contract, its marker interface, metadata, idempotency key and MessagePack formatter, and per
/// assembly a module with the catalog, the handler registrations and a module initializer. It reports only
/// its own last-resort error (CTR999); the analyzers explain everything it skips.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractsGenerator : IIncrementalGenerator
{
    /// <summary>CTR999, the generator's only diagnostic: everything it skips is explained by the analyzers.</summary>
    internal static readonly DiagnosticDescriptor GeneratorError = DescriptorFactory.Create(
        DiagnosticIds.GeneratorError, DescriptorFactory.Generator, DiagnosticSeverity.Error, compilationEnd: false,
        "The Contracts generator failed",
        "The Contracts generator failed on '{0}': {1}. Its contract still compiles but cannot be serialized. Please report this with the type's source.",
        description: null);

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ContractSpec> commands = Contracts(context, WellKnownNames.CommandAttribute, ContractsGeneratorSteps.Commands);
        IncrementalValuesProvider<ContractSpec> events = Contracts(context, WellKnownNames.EventAttribute, ContractsGeneratorSteps.Events);
        IncrementalValuesProvider<ContractSpec> queries = Contracts(context, WellKnownNames.QueryAttribute, ContractsGeneratorSteps.Queries);

        context.RegisterSourceOutput(commands, static (spc, spec) => EmitContract(spc, spec));
        context.RegisterSourceOutput(events, static (spc, spec) => EmitContract(spc, spec));
        context.RegisterSourceOutput(queries, static (spc, spec) => EmitContract(spc, spec));

        // Sorted and distinct once here, as an equatable array: the module step then compares by value.
        IncrementalValueProvider<EquatableArray<string>> contractNames = Names(commands)
            .Combine(Names(events))
            .Combine(Names(queries))
            .Select(static (names, _) => names.Left.Left.AddRange(names.Left.Right).AddRange(names.Right)
                .Distinct()
                .OrderBy(static n => n, System.StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(ContractsGeneratorSteps.Contracts);

        IncrementalValueProvider<ImmutableArray<HandlerSpec>> handlers = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, ct) => HandlerParser.IsCandidate(node, ct), static (ctx, ct) => HandlerParser.Parse(ctx, ct))
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(ContractsGeneratorSteps.Handlers)
            .Collect();

        IncrementalValueProvider<EquatableArray<string>> referenced = context.CompilationProvider
            .Select(static (compilation, ct) => ModuleParser.ReferencedModules(compilation, ct))
            .WithTrackingName(ContractsGeneratorSteps.ReferencedModules);

        IncrementalValueProvider<string?> assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => ModuleParser.ReferencesRuntime(compilation) ? compilation.AssemblyName ?? "Assembly" : null)
            .WithTrackingName(ContractsGeneratorSteps.AssemblyName);

        IncrementalValueProvider<ModuleSpec?> module = contractNames
            .Combine(handlers)
            .Combine(referenced)
            .Combine(assemblyName)
            .Select(static (input, _) =>
            {
                (((EquatableArray<string> names, ImmutableArray<HandlerSpec> handlerSpecs), EquatableArray<string> modules), string? assembly) = input;
                if (assembly is null || (names.Count == 0 && handlerSpecs.IsEmpty && modules.Count == 0))
                {
                    return null;
                }

                return new ModuleSpec(
                    assembly,
                    names,
                    WiredHandlers(handlerSpecs, names),
                    modules);
            })
            .WithTrackingName(ContractsGeneratorSteps.Module);

        context.RegisterSourceOutput(module, static (spc, spec) =>
        {
            if (spec is not null)
            {
                EmitModule(spc, spec);
            }
        });
    }

    /// <summary>Handlers of contracts this compilation generated or a reference carries; a handler of a contract the generator skipped is not wired.</summary>
    private static EquatableArray<HandlerSpec> WiredHandlers(ImmutableArray<HandlerSpec> handlers, EquatableArray<string> generated)
    {
        var names = new System.Collections.Generic.HashSet<string>(generated, System.StringComparer.Ordinal);
        var wired = new System.Collections.Generic.List<HandlerSpec>(handlers.Length);
        foreach (HandlerSpec handler in handlers.OrderBy(static h => h.FullyQualifiedName, System.StringComparer.Ordinal))
        {
            var handles = new System.Collections.Generic.List<HandledSpec>(handler.Handles.Count);
            foreach (HandledSpec handled in handler.Handles)
            {
                if (handled.FromReference || names.Contains(handled.MessageType))
                {
                    handles.Add(handled);
                }
            }

            if (handles.Count == handler.Handles.Count)
            {
                wired.Add(handler);
            }
            else if (handles.Count > 0)
            {
                wired.Add(handler with { Handles = handles.ToEquatableArray() });
            }
        }

        return wired.ToEquatableArray();
    }

    private static IncrementalValuesProvider<ContractSpec> Contracts(IncrementalGeneratorInitializationContext context, string attribute, string step) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(attribute, static (node, _) => node is TypeDeclarationSyntax, static (ctx, ct) => ContractParser.Parse(ctx, ct))
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(step);

    private static IncrementalValueProvider<ImmutableArray<string>> Names(IncrementalValuesProvider<ContractSpec> contracts) =>
        contracts.Select(static (spec, _) => spec.FullyQualifiedName).Collect();

    private static void EmitContract(SourceProductionContext context, ContractSpec spec)
    {
        string source;
        try
        {
            source = ContractEmitter.Emit(spec);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: the public surface without a formatter, and one diagnostic instead of CS8785 and a cascade of errors.
            spec = WithoutFormatter(spec, ex);
            source = ContractEmitter.Emit(spec);
        }

        if (spec.Error is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(GeneratorError, Location.None, spec.Name, spec.Error));
        }

        context.AddSource(spec.HintName, source);
    }

    private static void EmitModule(SourceProductionContext context, ModuleSpec spec)
    {
        string source;
        try
        {
            source = ModuleEmitter.Emit(spec);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Keep the module (catalog and references) so the host still starts; report the lost handler registrations.
            context.ReportDiagnostic(Diagnostic.Create(GeneratorError, Location.None, "the handler registrations of " + spec.AssemblyName, $"{ex.GetType().Name}: {ex.Message}"));
            source = ModuleEmitter.Emit(spec with { Handlers = EquatableArray<HandlerSpec>.Empty });
        }

        context.AddSource("ContractsModule.g.cs", source);
    }

    internal static ContractSpec WithoutFormatter(ContractSpec spec, System.Exception ex) => spec with
    {
        Result = null, // its formatter may reference the nested formatters dropped here
        Shape = spec.Shape with { Length = 0, Members = EquatableArray<MemberSpec>.Empty },
        NestedObjects = EquatableArray<ObjectSpec>.Empty,
        NestedEnums = EquatableArray<EnumSpec>.Empty,
        Error = $"{ex.GetType().Name}: {ex.Message}",
    };
}
