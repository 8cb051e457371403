using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>Where a contract's diagnostics go, the same for the generator and the analyzers.</summary>
internal static class Locations
{
    /// <summary>The problem's own symbol when it is declared in this type's source (a member), else the type's name.</summary>
    public static Location Of(ISymbol? symbol, INamedTypeSymbol type)
    {
        if (symbol is not null)
        {
            foreach (Location location in symbol.Locations)
            {
                if (location.IsInSource)
                {
                    return location;
                }
            }
        }

        foreach (Location location in type.Locations)
        {
            if (location.IsInSource)
            {
                return location;
            }
        }

        return Location.None;
    }
}
