using System.Collections.Immutable;
using System.Linq;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit;
using Contracts.Generator.Model;
using Contracts.Generator.Diagnostics;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator;

/// <summary>
/// Generates, per contract, its marker interface, metadata, idempotency key and MessagePack formatter, and per
/// assembly a module with the catalog, the handler registrations and a module initializer. It reports every rule that
/// stops generation (CTR003, CTR004, CTR006, CTR007, CTR008, CTR009) itself, as equatable data kept beside the specs:
/// it is what decides what is generated and wired, and a declaration error that followed (a partial it could not
/// emit) would stop the compiler before any analyzer runs. Where the declaration allows, it still emits the contract's
/// marker surface, so no other error follows; the handler interfaces do not constrain their message type, so a handler
/// it does not wire compiles too. Its own failure is CTR999.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractsGenerator : IIncrementalGenerator
{
    /// <summary>CTR999, the generator's last resort.</summary>
    internal static readonly DiagnosticDescriptor GeneratorError = DescriptorFactory.Create(
        DiagnosticIds.GeneratorError, DescriptorFactory.Generator, DiagnosticSeverity.Error, compilationEnd: false,
        "The Contracts generator failed",
        "The Contracts generator failed on '{0}': {1}. Its contract still compiles but cannot be serialized. Please report this with the type's source.",
        description: null);

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One per pipeline (per driver): the parses of declarations nothing they read has touched are reused across runs.
        var reuse = new ParseReuse();
        IncrementalValuesProvider<ContractParse> commandParses = Parses(context, WellKnownNames.CommandAttribute, reuse);
        IncrementalValuesProvider<ContractParse> eventParses = Parses(context, WellKnownNames.EventAttribute, reuse);
        IncrementalValuesProvider<ContractParse> queryParses = Parses(context, WellKnownNames.QueryAttribute, reuse);
        IncrementalValuesProvider<ContractSpec> commands = Specs(commandParses, ContractsGeneratorSteps.Commands);
        IncrementalValuesProvider<ContractSpec> events = Specs(eventParses, ContractsGeneratorSteps.Events);
        IncrementalValuesProvider<ContractSpec> queries = Specs(queryParses, ContractsGeneratorSteps.Queries);

        // Hint names compare without case: two contracts whose names differ only in case are emitted together, with
        // distinct names, by one output; every other contract by its own, so an edit regenerates that contract only.
        IncrementalValueProvider<EquatableArray<ContractSpec>> clashing = commands.Collect()
            .Combine(events.Collect())
            .Combine(queries.Collect())
            .Select(static (all, _) => HintNames.Clashing(all.Left.Left, all.Left.Right, all.Right))
            .WithTrackingName(ContractsGeneratorSteps.HintNameClashes);
        IncrementalValueProvider<EquatableArray<string>> clashingNames = clashing
            .Select(static (specs, _) => HintNames.Keys(specs));

        context.RegisterSourceOutput(commands.Combine(clashingNames), static (spc, input) => EmitContract(spc, input.Left, input.Right));
        context.RegisterSourceOutput(events.Combine(clashingNames), static (spc, input) => EmitContract(spc, input.Left, input.Right));
        context.RegisterSourceOutput(queries.Combine(clashingNames), static (spc, input) => EmitContract(spc, input.Left, input.Right));
        context.RegisterSourceOutput(clashing, static (spc, specs) => EmitClashing(spc, specs));

        ReportDiagnostics(context, commandParses.Select(static (p, _) => p.Diagnostics));
        ReportDiagnostics(context, eventParses.Select(static (p, _) => p.Diagnostics));
        ReportDiagnostics(context, queryParses.Select(static (p, _) => p.Diagnostics));

        // Sorted and distinct once here, as an equatable array: the module step then compares by value.
        IncrementalValueProvider<EquatableArray<string>> contractNames = Names(commands)
            .Combine(Names(events))
            .Combine(Names(queries))
            .Select(static (names, _) => names.Left.Left.AddRange(names.Left.Right).AddRange(names.Right)
                .Distinct()
                .OrderBy(static n => n, System.StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(ContractsGeneratorSteps.Contracts);

        // Wire name, version and type of every complete contract, for the module's manifest.
        IncrementalValueProvider<EquatableArray<string>> catalog = CatalogEntries(commands)
            .Combine(CatalogEntries(events))
            .Combine(CatalogEntries(queries))
            .Select(static (entries, _) => entries.Left.Left.AddRange(entries.Left.Right).AddRange(entries.Right)
                .Distinct()
                .OrderBy(static n => n, System.StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(ContractsGeneratorSteps.Catalog);

        // Not static, as the contract parses' transforms: it holds the pipeline's cache.
        var handlerCache = new ParseCache<HandlerParse>(reuse);
        IncrementalValuesProvider<HandlerParse> handlerParses = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, ct) => HandlerParser.IsCandidate(node, ct), (ctx, ct) => HandlerParser.Parse(ctx, handlerCache, ct));
        ReportDiagnostics(context, handlerParses.Select(static (p, _) => p.Diagnostics));
        IncrementalValueProvider<ImmutableArray<HandlerSpec>> handlers = handlerParses
            .Where(static parse => parse.Spec is not null)
            .Select(static (parse, _) => parse.Spec!)
            .WithTrackingName(ContractsGeneratorSteps.Handlers)
            .Collect();

        IncrementalValueProvider<EquatableArray<string>> referenced = context.CompilationProvider
            .Select(static (compilation, ct) => ModuleParser.ReferencedModules(compilation, ct))
            .WithTrackingName(ContractsGeneratorSteps.ReferencedModules);

        IncrementalValueProvider<string?> assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => ModuleParser.ReferencesRuntime(compilation) ? compilation.AssemblyName ?? "Assembly" : null)
            .WithTrackingName(ContractsGeneratorSteps.AssemblyName);

        IncrementalValueProvider<(EquatableArray<string> Names, EquatableArray<string> Steps)> sagas = SagaPipeline.Register(context);
        AggregatePipeline.Register(context);
        ProjectionPipeline.Register(context);

        IncrementalValueProvider<ModuleSpec?> module = contractNames
            .Combine(handlers)
            .Combine(referenced)
            .Combine(assemblyName)
            .Combine(catalog)
            .Combine(sagas)
            .Select(static (input, _) =>
            {
                (((((EquatableArray<string> names, ImmutableArray<HandlerSpec> handlerSpecs), EquatableArray<string> modules), string? assembly), EquatableArray<string> entries), (EquatableArray<string> sagaNames, EquatableArray<string> sagaSteps)) = input;
                if (assembly is null || (names.Count == 0 && handlerSpecs.IsEmpty && modules.Count == 0 && sagaNames.Count == 0))
                {
                    return null;
                }

                return new ModuleSpec(
                    assembly,
                    names,
                    WiredHandlers(handlerSpecs, names),
                    modules,
                    entries) { Sagas = sagaNames, SagaSteps = sagaSteps };
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

    /// <summary>
    /// The transform is the generator's one kind of lambda that is not static: it captures its step's cache, which lives as
    /// long as the pipeline. Roslyn runs it for every contract on every compilation; the cache makes that a lookup.
    /// </summary>
    private static IncrementalValuesProvider<ContractParse> Parses(IncrementalGeneratorInitializationContext context, string attribute, ParseReuse reuse)
    {
        var cache = new ParseCache<ContractParse>(reuse);
        return context.SyntaxProvider.ForAttributeWithMetadataName(attribute, static (node, _) => node is TypeDeclarationSyntax, (ctx, ct) => ContractParser.Parse(ctx, cache, ct));
    }

    private static IncrementalValuesProvider<ContractSpec> Specs(IncrementalValuesProvider<ContractParse> parses, string step) =>
        parses
            .Where(static parse => parse.Spec is not null)
            .Select(static (parse, _) => parse.Spec!)
            .WithTrackingName(step);

    private static IncrementalValueProvider<ImmutableArray<string>> CatalogEntries(IncrementalValuesProvider<ContractSpec> contracts) =>
        contracts.Where(static spec => spec.Blocked is null)
            .Select(static (spec, _) => spec.WireName + "\t" + spec.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\t" + spec.FullyQualifiedName)
            .Collect();

    /// <summary>A contract with reported problems has its surface only: it is not in the catalog and its handlers are not wired.</summary>
    private static IncrementalValueProvider<ImmutableArray<string>> Names(IncrementalValuesProvider<ContractSpec> contracts) =>
        contracts.Where(static spec => spec.Blocked is null).Select(static (spec, _) => spec.FullyQualifiedName).Collect();

    /// <summary>
    /// Reports each parse's diagnostics on its own. Only parses that have diagnostics (code with mistakes) meet the
    /// compilation, which turns their location values back into source locations; every other value never sees it.
    /// </summary>
    internal static void ReportDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics) =>
        context.RegisterSourceOutput(diagnostics.Where(static d => d.Count > 0).Combine(context.CompilationProvider), static (spc, input) =>
        {
            foreach (DiagnosticInfo info in input.Left)
            {
                spc.ReportDiagnostic(GeneratorDiagnostics.Create(info, input.Right));
            }
        });

    private static void EmitContract(SourceProductionContext context, ContractSpec spec, EquatableArray<string> clashing)
    {
        if (!HintNames.IsClashing(spec, clashing))
        {
            EmitContract(context, spec, spec.HintName);
        }
    }

    private static void EmitClashing(SourceProductionContext context, EquatableArray<ContractSpec> specs)
    {
        foreach ((ContractSpec spec, string hintName) in HintNames.Distinct(specs))
        {
            EmitContract(context, spec, hintName);
        }
    }

    private static void EmitContract(SourceProductionContext context, ContractSpec spec, string hintName)
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

        context.AddSource(hintName, source);
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
            source = ModuleEmitter.Emit(spec with { Handlers = EquatableArray<HandlerSpec>.Empty, Catalog = EquatableArray<string>.Empty });
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
