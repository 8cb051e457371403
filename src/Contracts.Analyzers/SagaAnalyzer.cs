using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The saga rules that read step bodies or the whole compilation (the ones that stop generation are the generator's):
/// CTR032, a command sent without a compensation in a saga that records compensations; CTR033, a timeout the saga does
/// not handle; CTR035, a command that is a step of two sagas or of a saga and a command handler (at compilation end).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SagaAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        SagaRuleDescriptors.MissingCompensation,
        SagaRuleDescriptors.TimeoutNotHandled,
        SagaRuleDescriptors.AmbiguousStart,
    ];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (start.Compilation.GetTypeByMetadataName(SagaRules.SagaAttribute) is null)
            {
                return;
            }

            // Every command taken by a saga step or a command handler, with who takes it, for CTR035 at the end.
            var receivers = new ConcurrentDictionary<ITypeSymbol, ConcurrentBag<(INamedTypeSymbol Receiver, bool IsSaga)>>(SymbolEqualityComparer.Default);
            start.RegisterSymbolStartAction(symbolStart =>
            {
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                if (SagaRules.IsSaga(type))
                {
                    StartSaga(symbolStart, type, receivers);
                }
                else if (HandlerDiscovery.Find(type, symbolStart.CancellationToken) is { } handled)
                {
                    foreach (HandledMessage message in handled)
                    {
                        if (message.Kind == ContractKind.Command)
                        {
                            receivers.GetOrAdd(message.Message, static _ => []).Add((type, false));
                        }
                    }
                }
            }, SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => ReportAmbiguous(end, receivers));
        });
    }

    private static void StartSaga(SymbolStartAnalysisContext context, INamedTypeSymbol saga, ConcurrentDictionary<ITypeSymbol, ConcurrentBag<(INamedTypeSymbol, bool)>> receivers)
    {
        List<(ITypeSymbol Message, bool Starts)> steps = SagaRules.Steps(saga);
        foreach ((ITypeSymbol message, _) in steps)
        {
            if (message is INamedTypeSymbol contract && ContractKinds.KindOf(contract, out _) == ContractKind.Command)
            {
                receivers.GetOrAdd(message, static _ => []).Add((saga, true));
            }
        }

        var state = new SagaBodies();
        context.RegisterOperationAction(op => Analyze(op, saga, steps, state), OperationKind.Invocation);
        context.RegisterSymbolEndAction(end => state.Report(end, saga));
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol saga, List<(ITypeSymbol Message, bool Starts)> steps, SagaBodies state)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.ContainingType is not { Name: SagaRules.SagaContextName } owner || !WellKnownNames.IsRuntimeType(owner)
            || !SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, saga))
        {
            return;
        }

        switch (method.Name)
        {
            case SagaRules.SendMethodName when method.TypeArguments.Length == 2:
            case "RecordCompensation":
                state.Compensates();
                break;
            case SagaRules.SendMethodName when method.TypeArguments.Length == 1:
                state.Uncompensated(invocation.Syntax.GetLocation(), method.TypeArguments[0].Name);
                break;
            case SagaRules.RequestTimeoutMethodName when method.TypeArguments.Length == 1:
                ITypeSymbol timeout = method.TypeArguments[0];
                if (timeout is not IErrorTypeSymbol && !steps.Any(s => SymbolEqualityComparer.Default.Equals(s.Message, timeout)))
                {
                    context.ReportDiagnostic(Diagnostic.Create(SagaRuleDescriptors.TimeoutNotHandled, invocation.Syntax.GetLocation(), saga.Name, timeout.Name));
                }

                break;
        }
    }

    /// <summary>
    /// CTR035 over this compilation and the modules it references (their manifests list saga steps and handlers): on
    /// each saga of this project that shares a command, and, for a command shared only between referenced modules, once
    /// without a location (the host that references them all says what only start-up would).
    /// </summary>
    private static void ReportAmbiguous(CompilationAnalysisContext context, ConcurrentDictionary<ITypeSymbol, ConcurrentBag<(INamedTypeSymbol Receiver, bool IsSaga)>> receivers)
    {
        ReferencedModules referenced = ReferencedModules.Read(context.Compilation, context.CancellationToken);
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (KeyValuePair<ITypeSymbol, ConcurrentBag<(INamedTypeSymbol Receiver, bool IsSaga)>> command in receivers)
        {
            string qualified = command.Key.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            seen.Add(qualified);
            (INamedTypeSymbol Receiver, bool IsSaga)[] all = [.. command.Value.Distinct().OrderBy(static r => r.Receiver.Name, System.StringComparer.Ordinal)];
            List<(string Description, string Name, bool IsSaga)> elsewhere = referenced.CommandReceiversOf(qualified);
            if (all.Length + elsewhere.Count < 2 || !(all.Any(static r => r.IsSaga) || elsewhere.Any(static r => r.IsSaga)))
            {
                continue; // two command handlers are CTR001's
            }

            foreach ((INamedTypeSymbol receiver, bool isSaga) in all)
            {
                if (!isSaga)
                {
                    continue;
                }

                string others = string.Join(", ", all.Where(r => !SymbolEqualityComparer.Default.Equals(r.Receiver, receiver))
                    .Select(static r => (r.IsSaga ? "saga '" : "handler '") + r.Receiver.Name + "'")
                    .Concat(elsewhere.Select(static r => r.Description)));
                context.ReportDiagnostic(Diagnostic.Create(SagaRuleDescriptors.AmbiguousStart, receiver.Locations.FirstOrDefault() ?? Location.None, command.Key.Name, receiver.Name, others));
            }

            if (!all.Any(static r => r.IsSaga))
            {
                // Only a handler here, the saga in a referenced module: said once, on no saga of this project.
                (string Description, string Name, bool IsSaga) saga = elsewhere.First(static r => r.IsSaga);
                string others = string.Join(", ", all.Select(static r => "handler '" + r.Receiver.Name + "'")
                    .Concat(elsewhere.Where(r => r != saga).Select(static r => r.Description)));
                context.ReportDiagnostic(Diagnostic.Create(SagaRuleDescriptors.AmbiguousStart, all[0].Receiver.Locations.FirstOrDefault() ?? Location.None, command.Key.Name, saga.Name, others));
            }
        }

        foreach (string command in referenced.SagaCommands())
        {
            List<(string Description, string Name, bool IsSaga)> all = referenced.CommandReceiversOf(command);
            if (seen.Contains(command) || all.Count < 2)
            {
                continue;
            }

            (string Description, string Name, bool IsSaga) saga = all.First(static r => r.IsSaga);
            string others = string.Join(", ", all.Where(r => r != saga).Select(static r => r.Description));
            context.ReportDiagnostic(Diagnostic.Create(SagaRuleDescriptors.AmbiguousStart, Location.None, ReferencedModules.ShortName(command), saga.Name, others));
        }
    }

    /// <summary>What one saga's bodies send: CTR032 is known only once every step has been read.</summary>
    private sealed class SagaBodies
    {
        private readonly ConcurrentBag<(Location Location, string Command)> _uncompensated = [];
        private int _compensates;

        public void Compensates() => System.Threading.Interlocked.Exchange(ref _compensates, 1);

        public void Uncompensated(Location location, string command) => _uncompensated.Add((location, command));

        public void Report(SymbolAnalysisContext context, INamedTypeSymbol saga)
        {
            if (System.Threading.Volatile.Read(ref _compensates) == 0)
            {
                return;
            }

            foreach ((Location location, string command) in _uncompensated)
            {
                context.ReportDiagnostic(Diagnostic.Create(SagaRuleDescriptors.MissingCompensation, location, saga.Name, command));
            }
        }
    }
}
