using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>A serializable record or class: the constructor it is built with and its members in wire order.</summary>
internal sealed class ObjectShape(INamedTypeSymbol type)
{
    public INamedTypeSymbol Type { get; } = type;
    public IMethodSymbol? Constructor { get; set; }
    public List<MemberShape> Members { get; } = [];
    public List<ContractProblem> Problems { get; } = [];
    public int Length
    {
        get
        {
            int max = -1;
            foreach (MemberShape member in Members)
            {
                max = member.Index > max ? member.Index : max;
            }

            return max + 1;
        }
    }
}
