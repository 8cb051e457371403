using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Contracts.Generator.Model;

namespace Contracts.Generator.Emit;

/// <summary>
/// Hint names must be unique without regard to case (a generator that adds two that differ only in case fails with
/// CS8785 and loses all its output). Contracts whose hint names clash that way (types whose names differ only in
/// case, or one type the pipeline saw twice) are found once over all contracts and emitted together.
/// </summary>
internal static class HintNames
{
    /// <summary>Every contract whose hint name another shares without regard to case, sorted ordinally by hint name, then type.</summary>
    public static EquatableArray<ContractSpec> Clashing(ImmutableArray<ContractSpec> commands, ImmutableArray<ContractSpec> events, ImmutableArray<ContractSpec> queries)
    {
        var counts = new Dictionary<string, int>(commands.Length + events.Length + queries.Length, StringComparer.OrdinalIgnoreCase);
        Count(commands, counts);
        Count(events, counts);
        Count(queries, counts);
        List<ContractSpec>? clashing = null;
        foreach (int count in counts.Values)
        {
            if (count > 1)
            {
                clashing = [];
                break;
            }
        }

        if (clashing is null)
        {
            return EquatableArray<ContractSpec>.Empty;
        }

        Add(commands, counts, clashing);
        Add(events, counts, clashing);
        Add(queries, counts, clashing);
        clashing.Sort(static (a, b) =>
        {
            int byHint = string.CompareOrdinal(a.HintName, b.HintName);
            return byHint != 0 ? byHint : string.CompareOrdinal(a.FullyQualifiedName, b.FullyQualifiedName);
        });
        return clashing.ToEquatableArray();
    }

    /// <summary>The upper-case hint names of <paramref name="clashing"/>: the per-contract outputs leave these out.</summary>
    public static EquatableArray<string> Keys(EquatableArray<ContractSpec> clashing)
    {
        var keys = new List<string>(clashing.Count);
        foreach (ContractSpec spec in clashing)
        {
            keys.Add(spec.HintName.ToUpperInvariant());
        }

        return keys.ToEquatableArray();
    }

    public static bool IsClashing(ContractSpec spec, EquatableArray<string> keys)
    {
        if (keys.Count == 0)
        {
            return false;
        }

        string key = spec.HintName.ToUpperInvariant();
        foreach (string clashing in keys)
        {
            if (string.Equals(clashing, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One hint name per distinct contract: the first of a group keeps its name, the others get ".2", ".3" before ".g.cs"
    /// (a type name cannot start with a digit, so these never meet another contract's name). A type seen twice is emitted once.
    /// </summary>
    public static IEnumerable<(ContractSpec Spec, string HintName)> Distinct(EquatableArray<ContractSpec> clashing)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var perGroup = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (ContractSpec spec in clashing)
        {
            if (!seen.Add(spec.FullyQualifiedName))
            {
                continue;
            }

            perGroup.TryGetValue(spec.HintName, out int index);
            perGroup[spec.HintName] = ++index;
            yield return (spec, index == 1 ? spec.HintName : spec.HintName.Substring(0, spec.HintName.Length - ".g.cs".Length) + "." + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs");
        }
    }

    private static void Count(ImmutableArray<ContractSpec> specs, Dictionary<string, int> counts)
    {
        foreach (ContractSpec spec in specs)
        {
            counts.TryGetValue(spec.HintName, out int count);
            counts[spec.HintName] = count + 1;
        }
    }

    private static void Add(ImmutableArray<ContractSpec> specs, Dictionary<string, int> counts, List<ContractSpec> clashing)
    {
        foreach (ContractSpec spec in specs)
        {
            if (counts[spec.HintName] > 1)
            {
                clashing.Add(spec);
            }
        }
    }
}
