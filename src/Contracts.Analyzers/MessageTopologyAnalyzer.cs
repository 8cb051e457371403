using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Rules over the whole compilation, reported when it ends (on build, not while typing): CTR001 (a command or
/// query with several handlers), CTR005 (two contracts with one name and version) and CTR011 (a command or query
/// with no handler in a project that declares handlers). CTR001 and CTR005 also count what the referenced projects'
/// generated modules list in their manifests, so the host that references them all reports what only start-up would.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MessageTopologyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        Descriptors.MultipleHandlers,
        Descriptors.DuplicateContract,
        Descriptors.NoHandler,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (KnownTypes.Create(start.Compilation) is null)
            {
                return;
            }

            var state = new State(new ContractValidityCache(start.Compilation));
            start.RegisterSymbolAction(symbol => Collect(symbol, state), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => Report(end, state));
        });
    }

    private sealed class State(ContractValidityCache validity)
    {
        public ContractValidityCache Validity { get; } = validity;

        public ConcurrentBag<(INamedTypeSymbol Contract, ContractKind Kind)> Contracts { get; } = [];

        public ConcurrentBag<(INamedTypeSymbol Handler, INamedTypeSymbol Contract, ContractKind Kind, Location Location)> Handlers { get; } = [];

        /// <summary>Set when the project declares any handler, wired or not.</summary>
        public int HasHandlers;

        /// <summary>Commands a saga of the project takes as a step: they have a receiver (CTR011), counted by CTR035, not CTR001.</summary>
        public ConcurrentDictionary<ITypeSymbol, bool> SagaSteps { get; } = new(SymbolEqualityComparer.Default);
    }

    private static void Collect(SymbolAnalysisContext context, State state)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (ContractKinds.KindOf(type, out _) is { } kind)
        {
            state.Contracts.Add((type, kind));
        }

        if (SagaRules.IsSaga(type))
        {
            foreach ((ITypeSymbol message, _) in SagaRules.Steps(type))
            {
                state.SagaSteps[message] = true;
            }
        }

        List<HandledMessage>? handled = HandlerDiscovery.Find(type, context.CancellationToken);
        if (handled is null)
        {
            return;
        }

        System.Threading.Interlocked.Exchange(ref state.HasHandlers, 1);
        foreach (HandledMessage message in handled)
        {
            // Only handlers the generator wires: of a valid contract of the interface's kind.
            if (message.Message is INamedTypeSymbol contract && HandlerRule.Wires(message.Kind, contract, message.Result) && state.Validity.IsValid(contract))
            {
                state.Handlers.Add((type, contract, message.Kind, message.Location));
            }
        }
    }

    private static void Report(CompilationAnalysisContext context, State state)
    {
        ReferencedModules referenced = ReferencedModules.Read(context.Compilation, context.CancellationToken);

        // CTR001: every handler of a command or query that has several, naming all of them, those of referenced modules too.
        var byContract = new Dictionary<INamedTypeSymbol, List<(INamedTypeSymbol Handler, INamedTypeSymbol Contract, ContractKind Kind, Location Location)>>(SymbolEqualityComparer.Default);
        foreach ((INamedTypeSymbol Handler, INamedTypeSymbol Contract, ContractKind Kind, Location Location) handler in state.Handlers)
        {
            if (!byContract.TryGetValue(handler.Contract, out List<(INamedTypeSymbol Handler, INamedTypeSymbol Contract, ContractKind Kind, Location Location)>? list))
            {
                byContract[handler.Contract] = list = [];
            }

            list.Add(handler);
        }

        var reported = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (List<(INamedTypeSymbol Handler, INamedTypeSymbol Contract, ContractKind Kind, Location Location)> group in byContract.Values)
        {
            if (group[0].Kind == ContractKind.Event)
            {
                continue;
            }

            string message = group[0].Contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            List<string> elsewhere = referenced.HandlersOf(message);
            if (group.Count + elsewhere.Count < 2)
            {
                continue;
            }

            reported.Add(message);
            group.Sort((a, b) => string.CompareOrdinal(a.Handler.ToDisplayString(), b.Handler.ToDisplayString()));
            string names = string.Join(", ", group.Select(h => h.Handler.Name).Concat(elsewhere));
            string kind = group[0].Kind == ContractKind.Command ? "command" : "query";
            foreach ((INamedTypeSymbol _, INamedTypeSymbol contract, ContractKind _, Location location) in group)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MultipleHandlers, location, contract.Name, group.Count + elsewhere.Count, names, kind));
            }
        }

        // Handled only in referenced modules, by more than one: the host that references them all says so (no location of its own).
        foreach ((string message, string kind, List<string> handlers) in referenced.SeveralHandlers())
        {
            if (!reported.Contains(message))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MultipleHandlers, Location.None, ReferencedModules.ShortName(message), handlers.Count, string.Join(", ", handlers), kind));
            }
        }

        // CTR005: contracts sharing a wire name and version, in this compilation or in the modules it references.
        List<(INamedTypeSymbol Contract, ContractKind Kind)> contracts = state.Contracts
            .Distinct(ContractComparer.Instance)
            .OrderBy(c => c.Contract.ToDisplayString(), System.StringComparer.Ordinal)
            .ToList();
        var own = new HashSet<(string Name, int Version)>();
        foreach (IGrouping<(string Name, int Version), (INamedTypeSymbol Contract, ContractKind Kind)> group in contracts.GroupBy(c => ContractKinds.NameAndVersion(c.Contract)))
        {
            own.Add(group.Key);
            var same = group.ToList();
            List<string> elsewhere = referenced.ContractsNamed(group.Key.Name, group.Key.Version);
            if (same.Count + elsewhere.Count < 2)
            {
                continue;
            }

            foreach ((INamedTypeSymbol contract, ContractKind _) in same)
            {
                string others = string.Join(", ", same.Where(o => !SymbolEqualityComparer.Default.Equals(o.Contract, contract)).Select(o => "'" + o.Contract.ToDisplayString() + "'").Concat(elsewhere));
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.DuplicateContract,
                    Locations.Of(null, contract),
                    contract.ToDisplayString(),
                    group.Key.Name,
                    group.Key.Version,
                    others));
            }
        }

        foreach ((string name, int version, List<string> types) in referenced.DuplicateContracts())
        {
            if (!own.Contains((name, version)))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.DuplicateContract, Location.None, types[0], name, version, string.Join(", ", types.Skip(1))));
            }
        }

        // CTR011: only in a project that declares handlers; a contracts-only project is a library other services handle.
        if (state.HasHandlers == 0)
        {
            return;
        }

        foreach ((INamedTypeSymbol contract, ContractKind kind) in contracts)
        {
            if (kind != ContractKind.Event && !byContract.ContainsKey(contract) && !state.SagaSteps.ContainsKey(contract) && state.Validity.IsValid(contract))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.NoHandler,
                    Locations.Of(null, contract),
                    kind == ContractKind.Command ? "Command" : "Query",
                    contract.Name));
            }
        }
    }

    private sealed class ContractComparer : IEqualityComparer<(INamedTypeSymbol Contract, ContractKind Kind)>
    {
        public static readonly ContractComparer Instance = new();

        public bool Equals((INamedTypeSymbol Contract, ContractKind Kind) x, (INamedTypeSymbol Contract, ContractKind Kind) y) =>
            SymbolEqualityComparer.Default.Equals(x.Contract, y.Contract);

        public int GetHashCode((INamedTypeSymbol Contract, ContractKind Kind) obj) => SymbolEqualityComparer.Default.GetHashCode(obj.Contract);
    }
}
