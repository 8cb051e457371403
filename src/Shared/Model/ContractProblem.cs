using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>One problem of a contract, with the text the diagnostic shows and the symbol it is reported on.</summary>
internal readonly struct ContractProblem(ContractProblemKind kind, string detail, ISymbol? symbol)
{
    public ContractProblemKind Kind { get; } = kind;
    public string Detail { get; } = detail;
    public ISymbol? Symbol { get; } = symbol;
}
