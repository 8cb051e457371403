using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>The saga rules that need a step's body or the whole compilation, reported by <see cref="SagaAnalyzer"/> (see docs/sagas.md).</summary>
internal static class SagaRuleDescriptors
{
    public static readonly DiagnosticDescriptor MissingCompensation = DescriptorFactory.Create(
        DiagnosticIds.SagaMissingCompensation, DescriptorFactory.Reliability, DiagnosticSeverity.Warning, compilationEnd: false,
        "A saga step sends a command without a compensation",
        "Saga '{0}' sends '{1}' without a compensation, but it records compensations for other commands; pass compensateWith, or call SendWithoutCompensation if a failure leaves nothing to undo",
        "In a saga that compensates, every command it sends either says what undoes it or says that nothing needs undoing; otherwise a compensation can leave that command's effect in place.");

    public static readonly DiagnosticDescriptor TimeoutNotHandled = DescriptorFactory.Create(
        DiagnosticIds.SagaTimeoutNotHandled, DescriptorFactory.Handlers, DiagnosticSeverity.Error, compilationEnd: false,
        "A saga requests a timeout it does not handle",
        "Saga '{0}' requests timeout '{1}' but does not handle it; add IHandles<{1}> so the timeout runs a step",
        "A timeout is a delayed command sent back to the saga; when the saga has no step for it, it is handled elsewhere or by nobody, and the saga waits for ever.");

    public static readonly DiagnosticDescriptor AmbiguousStart = DescriptorFactory.Create(
        DiagnosticIds.SagaAmbiguousStart, DescriptorFactory.Handlers, DiagnosticSeverity.Error, compilationEnd: true,
        "A command is taken by two sagas, or by a saga and a handler",
        "Command '{0}' is a step of saga '{1}' and also of {2}; a command has exactly one receiver, so only one of them would ever run it",
        "A command goes to one endpoint and one receiver. A message that must start or move several sagas is an event: each saga subscribes to it.");
}
