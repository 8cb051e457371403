using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Which endpoints the compilation's own configuration code may make effectively-once, for CTR022. It reads
/// <c>AddContracts(o =&gt; ...)</c>-style code: <c>t.Defaults.Delivery = ...</c>, and <c>e.Delivery = ...</c> inside a lambda
/// given to <c>Endpoint&lt;TContract&gt;(...)</c> or to <c>Endpoint("name", ...)</c> with a constant name. What it cannot
/// place or read makes every endpoint "maybe": no <c>AddContracts</c> call in the compilation (handlers in a library
/// whose host configures them), <c>AddContracts</c> given an <c>IConfiguration</c> (appsettings can set any endpoint's
/// delivery), an <c>Endpoint</c> call with a name that is not a constant or a configure delegate that is not a lambda,
/// a delivery assigned anywhere else (a helper taking <c>EndpointOptions</c>). A delivery that is not a constant makes its
/// own endpoint "maybe". Settings combine as "may": an endpoint may be effectively-once when its defaults, its contract's
/// settings or its own settings assign EffectivelyOnce anywhere (even where a more specific setting overrides it).
/// </summary>
internal sealed class EndpointDelivery
{
    private const string DefaultsKey = "*";

    private readonly object _gate = new();
    private readonly INamedTypeSymbol? _transportOptions;
    private readonly INamedTypeSymbol? _endpointOptions;
    private readonly INamedTypeSymbol? _configuration;
    private readonly object? _effectivelyOnce;
    private readonly HashSet<ISymbol> _contracts = new(SymbolEqualityComparer.Default);
    private readonly HashSet<string> _names = new(System.StringComparer.Ordinal);
    private bool _configured;
    private bool _opaque;

    private readonly List<(Diagnostic Diagnostic, List<HandledMessage> Handled)> _busCalls = [];

    private EndpointDelivery(INamedTypeSymbol? transportOptions, INamedTypeSymbol? endpointOptions, INamedTypeSymbol? deliveryMode, INamedTypeSymbol? configuration)
    {
        _transportOptions = transportOptions;
        _endpointOptions = endpointOptions;
        _configuration = configuration;
        foreach (ISymbol member in deliveryMode?.GetMembers("EffectivelyOnce") ?? [])
        {
            if (member is IFieldSymbol { HasConstantValue: true } field)
            {
                _effectivelyOnce = field.ConstantValue;
            }
        }
    }

    /// <summary>
    /// The collector for <paramref name="start"/>'s compilation, registered on its operations, and the CTR022 candidates
    /// reported at its end. Without the runtime's configuration types nothing is configured: every endpoint is "maybe".
    /// </summary>
    public static EndpointDelivery Register(CompilationStartAnalysisContext start)
    {
        Compilation compilation = start.Compilation;
        INamedTypeSymbol? transport = compilation.GetTypeByMetadataName("Contracts.TransportOptions");
        INamedTypeSymbol? endpoint = compilation.GetTypeByMetadataName("Contracts.EndpointOptions");
        var delivery = new EndpointDelivery(transport, endpoint, compilation.GetTypeByMetadataName("Contracts.DeliveryMode"), compilation.GetTypeByMetadataName("Microsoft.Extensions.Configuration.IConfiguration"));
        if (transport is not null && endpoint is not null)
        {
            start.RegisterOperationAction(delivery.AnalyzeInvocation, OperationKind.Invocation);
            start.RegisterOperationAction(delivery.AnalyzeAssignment, OperationKind.SimpleAssignment);
        }

        start.RegisterCompilationEndAction(delivery.ReportBusCalls);
        return delivery;
    }

    /// <summary>A CTR022 candidate in a handler of <paramref name="handled"/>, reported at compilation end when one of its command or event endpoints may be effectively-once.</summary>
    public void AddBusCall(Diagnostic diagnostic, List<HandledMessage> handled)
    {
        lock (_gate)
        {
            _busCalls.Add((diagnostic, handled));
        }
    }

    private void ReportBusCalls(CompilationAnalysisContext context)
    {
        lock (_gate)
        {
            foreach ((Diagnostic diagnostic, List<HandledMessage> handled) in _busCalls)
            {
                foreach (HandledMessage message in handled)
                {
                    if (message.Kind != ContractKind.Query && message.Message is INamedTypeSymbol contract && MayBeEffectivelyOnceLocked(contract, message.Kind))
                    {
                        context.ReportDiagnostic(diagnostic);
                        break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether an endpoint that delivers <paramref name="contract"/> may be effectively-once, as far as this compilation
    /// shows; read at compilation end, when every operation was seen, under the lock.
    /// </summary>
    private bool MayBeEffectivelyOnceLocked(INamedTypeSymbol contract, ContractKind kind)
    {
        if (!_configured || _opaque || _names.Contains(DefaultsKey) || _contracts.Contains(contract.OriginalDefinition))
        {
            return true;
        }

        (string name, int version) = ContractKinds.NameAndVersion(contract);
        string address = version == 1 ? name : name + ".v" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_names.Contains(address))
        {
            return true;
        }

        if (kind == ContractKind.Event)
        {
            // A subscription is named "<address>/<handler>"; any of the event's subscriptions counts.
            foreach (string configured in _names)
            {
                if (configured.Length > address.Length && configured.StartsWith(address, System.StringComparison.Ordinal) && configured[address.Length] == '/')
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void AnalyzeInvocation(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name == "AddContracts" && method.ContainingType is { Name: "ContractsServiceCollectionExtensions" } extensions && WellKnownNames.IsRuntimeType(extensions))
        {
            bool bound = false;
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                // AddContracts(configuration, ...): appsettings.json may set any endpoint's delivery.
                if (argument.Parameter is { } parameter && _configuration is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, _configuration)
                    && !(argument.Value.ConstantValue is { HasValue: true, Value: null }))
                {
                    bound = true;
                }
            }

            lock (_gate)
            {
                _configured = true;
                _opaque |= bound;
            }

            return;
        }

        if (!IsEndpointCall(method))
        {
            return;
        }

        // Endpoint<T>(configure) / Endpoint("name", configure): a lambda is read where it assigns (AnalyzeAssignment); any
        // other delegate is code this rule does not follow.
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Type is INamedTypeSymbol { TypeKind: TypeKind.Delegate } && Unwrap(argument.Value) is not IAnonymousFunctionOperation)
            {
                Mark(EndpointOf(invocation));
            }
        }
    }

    private void AnalyzeAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: "Delivery" } target
            || !SymbolEqualityComparer.Default.Equals(target.Property.ContainingType, _endpointOptions))
        {
            return;
        }

        Optional<object?> value = assignment.Value.ConstantValue;
        if (value.HasValue && !Equals(value.Value, _effectivelyOnce))
        {
            return;
        }

        Mark(target.Instance is { } instance ? EndpointOf(instance, assignment) : null);
    }

    /// <summary>An endpoint that may be effectively-once: a contract symbol, a name, <see cref="DefaultsKey"/>; null for "cannot tell which".</summary>
    private void Mark(object? endpoint)
    {
        lock (_gate)
        {
            switch (endpoint)
            {
                case ISymbol contract:
                    _contracts.Add(contract);
                    break;
                case string name:
                    _names.Add(name);
                    break;
                default:
                    _opaque = true;
                    break;
            }
        }
    }

    /// <summary>The endpoint options <paramref name="instance"/> stands for: <c>t.Defaults</c>, or the parameter of the lambda given to an Endpoint call.</summary>
    private object? EndpointOf(IOperation instance, IOperation assignment)
    {
        instance = Unwrap(instance);
        if (instance is IPropertyReferenceOperation { Property.Name: "Defaults" } defaults && IsTransportOptions(defaults.Property.ContainingType))
        {
            return DefaultsKey;
        }

        if (instance is not IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambda })
        {
            return null;
        }

        for (IOperation? current = assignment.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation function && SymbolEqualityComparer.Default.Equals(function.Symbol, lambda))
            {
                IOperation? parent = function.Parent;
                while (parent is IDelegateCreationOperation or IConversionOperation or IParenthesizedOperation)
                {
                    parent = parent.Parent;
                }

                return parent is IArgumentOperation { Parent: IInvocationOperation call } && IsEndpointCall(call.TargetMethod) ? EndpointOf(call) : null;
            }
        }

        return null;
    }

    /// <summary>The endpoint an Endpoint call configures: its contract type argument, or its constant name; null otherwise.</summary>
    private static object? EndpointOf(IInvocationOperation call)
    {
        if (call.TargetMethod.IsGenericMethod)
        {
            return call.TargetMethod.TypeArguments[0] is INamedTypeSymbol contract ? contract.OriginalDefinition : null;
        }

        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter?.Type.SpecialType == SpecialType.System_String)
            {
                return argument.Value.ConstantValue is { HasValue: true, Value: string name } ? name : null;
            }
        }

        return null;
    }

    private bool IsEndpointCall(IMethodSymbol method) => method.Name == "Endpoint" && IsTransportOptions(method.ContainingType);

    private bool IsTransportOptions(INamedTypeSymbol? type)
    {
        if (_transportOptions is null)
        {
            return false;
        }

        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, _transportOptions))
            {
                return true;
            }
        }

        return false;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IDelegateCreationOperation { Target: { } target }:
                    operation = target;
                    break;
                case IConversionOperation { Operand: { } operand }:
                    operation = operand;
                    break;
                case IParenthesizedOperation { Operand: { } operand }:
                    operation = operand;
                    break;
                default:
                    return operation;
            }
        }
    }
}
