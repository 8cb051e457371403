using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.CodeAnalysis;

/// <summary>
/// What the methods of one handler type do, gathered while its method bodies are analyzed (concurrently), and reported
/// when the type's analysis ends: a finding in a helper counts only when a HandleAsync reaches it through calls within the type.
/// CTR022's findings go on to <see cref="EndpointDelivery"/>, which reports them at compilation end, once it has seen how
/// the compilation configures its endpoints.
/// </summary>
internal sealed class HandlerBodies(INamedTypeSymbol type, List<HandledMessage> handled, EndpointDelivery delivery)
{
    private readonly object _gate = new();
    private readonly Dictionary<IMethodSymbol, ContractKind> _entries = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IMethodSymbol, List<IMethodSymbol>> _calls = new(SymbolEqualityComparer.Default);
    private readonly List<(IMethodSymbol Method, Diagnostic Diagnostic, bool Always)> _found = [];
    private readonly List<(IMethodSymbol Method, Location Location, string Call, string Instead)> _waits = [];
    private readonly List<(IMethodSymbol Method, Location Location, string Call)> _sideEffects = [];
    private readonly List<(IMethodSymbol Method, Location Location, string Call)> _busCalls = [];

    public INamedTypeSymbol Type { get; } = type;

    public List<HandledMessage> Handled { get; } = handled;

    public void AddEntry(IMethodSymbol method, ContractKind kind)
    {
        lock (_gate)
        {
            _entries[method] = kind;
        }
    }

    public void AddCall(IMethodSymbol caller, IMethodSymbol callee)
    {
        lock (_gate)
        {
            if (!_calls.TryGetValue(caller, out List<IMethodSymbol>? callees))
            {
                _calls[caller] = callees = [];
            }

            callees.Add(callee);
        }
    }

    /// <summary>A finding in <paramref name="method"/>: reported when a HandleAsync reaches it, or <paramref name="always"/>.</summary>
    public void Add(IMethodSymbol method, Diagnostic diagnostic, bool always = false)
    {
        lock (_gate)
        {
            _found.Add((method, diagnostic, always));
        }
    }

    public void AddThreadBlocking(IMethodSymbol method, Location location, string call, string instead)
    {
        lock (_gate)
        {
            _waits.Add((method, location, call, instead));
        }
    }

    public void AddSideEffect(IMethodSymbol method, Location location, string call)
    {
        lock (_gate)
        {
            _sideEffects.Add((method, location, call));
        }
    }

    public void AddBusCall(IMethodSymbol method, Location location, string call)
    {
        lock (_gate)
        {
            _busCalls.Add((method, location, call));
        }
    }

    public void Report(SymbolAnalysisContext context)
    {
        lock (_gate)
        {
            HashSet<IMethodSymbol> reached = Reached(static _ => true);
            HashSet<IMethodSymbol> reachedByQueries = Reached(static kind => kind == ContractKind.Query);
            HashSet<IMethodSymbol> reachedByConsumers = Reached(static kind => kind != ContractKind.Query);
            foreach ((IMethodSymbol method, Diagnostic diagnostic, bool always) in _found)
            {
                if (always || reached.Contains(method))
                {
                    context.ReportDiagnostic(diagnostic);
                }
            }

            foreach ((IMethodSymbol method, Location location, string call, string instead) in _waits)
            {
                if (reached.Contains(method))
                {
                    string where = _entries.ContainsKey(method) ? "" : $" in '{method.Name}', which its HandleAsync calls";
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.ThreadBlocking, location, WaitFix(method, call), Type.Name, call, where, instead));
                }
            }

            foreach ((IMethodSymbol method, Location location, string call) in _sideEffects)
            {
                if (reachedByQueries.Contains(method))
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.QuerySideEffect, location, Type.Name, call));
                }
            }

            foreach ((IMethodSymbol method, Location location, string call) in _busCalls)
            {
                if (reachedByConsumers.Contains(method))
                {
                    delivery.AddBusCall(Diagnostic.Create(Descriptors.BusInHandler, location, ContextFix(method), Type.Name, call), Handled);
                }
            }
        }
    }

    /// <summary>CTR017's fix for a wait it can turn into an await (the code fix checks the code is async), with the method's token.</summary>
    private static ImmutableDictionary<string, string?>? WaitFix(IMethodSymbol method, string call)
    {
        string? fix = call switch
        {
            "Thread.Sleep" => DiagnosticIds.FixAwaitDelay,
            "SemaphoreSlim.Wait" => DiagnosticIds.FixAwaitWaitAsync,
            _ => null,
        };
        if (fix is null)
        {
            return null;
        }

        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, fix);
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.Type is INamedTypeSymbol { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } })
            {
                return properties.Add(DiagnosticIds.TokenProperty, parameter.Name);
            }
        }

        return properties;
    }

    /// <summary>CTR022's fix where the call is in a HandleAsync: its MessageContext parameter is at hand.</summary>
    private ImmutableDictionary<string, string?>? ContextFix(IMethodSymbol method) =>
        _entries.ContainsKey(method) && method.Parameters.Length == 3 && method.Parameters[1].Type is INamedTypeSymbol { Name: "MessageContext" } context && WellKnownNames.IsRuntimeType(context)
            ? ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.FixProperty, DiagnosticIds.FixUseContext).Add(DiagnosticIds.ContextProperty, method.Parameters[1].Name)
            : null;

    /// <summary>The entries of the kinds <paramref name="include"/> accepts and every method of the type they call, transitively.</summary>
    private HashSet<IMethodSymbol> Reached(System.Func<ContractKind, bool> include)
    {
        var reached = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<IMethodSymbol>();
        foreach (KeyValuePair<IMethodSymbol, ContractKind> entry in _entries)
        {
            if (include(entry.Value) && reached.Add(entry.Key))
            {
                pending.Push(entry.Key);
            }
        }

        while (pending.Count > 0)
        {
            if (_calls.TryGetValue(pending.Pop(), out List<IMethodSymbol>? callees))
            {
                foreach (IMethodSymbol callee in callees)
                {
                    if (reached.Add(callee))
                    {
                        pending.Push(callee);
                    }
                }
            }
        }

        return reached;
    }
}
