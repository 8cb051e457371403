using System.Collections.Generic;

namespace Contracts.CodeAnalysis;

/// <summary>
/// One contract as the lock file records it: what a reader of any version needs to agree on. Plain data (no Roslyn
/// type), so the lock file's reader and writer serve the analyzers, the code fixes and the tool alike.
/// </summary>
internal sealed class LockedContract(string name, int version, string kind, string type)
{
    /// <summary>The wire name.</summary>
    public string Name { get; } = name;

    /// <summary>The contract version.</summary>
    public int Version { get; } = version;

    /// <summary><c>command</c>, <c>event</c> or <c>query</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>The CLR type (namespace and containing types, no <c>global::</c>): how a renamed wire name or a bumped version is recognized.</summary>
    public string Type { get; } = type;

    /// <summary>The members in index order, retired ones included: an index once used is never handed to another member.</summary>
    public List<LockedMember> Members { get; } = [];

    /// <summary>The line of the lock file this contract starts at (1-based), or 0 when it comes from code.</summary>
    public int Line { get; set; }

    /// <summary>The members marked [IdempotencyKey], by name in index order, retired ones left out.</summary>
    public string KeyMembers
    {
        get
        {
            var key = new System.Text.StringBuilder();
            foreach (LockedMember member in Members)
            {
                if (member.Key && !member.Retired)
                {
                    key.Append(key.Length == 0 ? "" : ", ").Append(member.Name);
                }
            }

            return key.ToString();
        }
    }

    /// <summary>The member recorded at <paramref name="index"/>, or null.</summary>
    public LockedMember? At(int index)
    {
        foreach (LockedMember member in Members)
        {
            if (member.Index == index)
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>The member named <paramref name="memberName"/> that is not retired, or null.</summary>
    public LockedMember? Named(string memberName)
    {
        foreach (LockedMember member in Members)
        {
            if (!member.Retired && string.Equals(member.Name, memberName, System.StringComparison.Ordinal))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary><c>name v2</c>: how messages name a contract.</summary>
    public override string ToString() => Name + " v" + Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
