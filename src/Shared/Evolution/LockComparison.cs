using System.Collections.Generic;
using System.Globalization;

namespace Contracts.CodeAnalysis;

/// <summary>
/// Compares the contracts in code with the lock file under a <see cref="CompatibilityMode"/>: which changes a reader
/// survives (safe: the code fix records them) and which break one (errors). Backward: new readers read old messages,
/// so adding a required member or narrowing a type breaks. Forward: old readers read new messages, so removing a
/// required member or widening a type breaks. Full: both. In every mode an index moved or reused, a wire name, version
/// or kind changed, the idempotency key changed, or a recorded contract removed breaks.
/// </summary>
internal sealed class LockComparison
{
    private readonly CompatibilityMode _mode;

    private LockComparison(CompatibilityMode mode) => _mode = mode;

    public List<LockChange> Changes { get; } = [];

    /// <summary>The lock file with every safe change recorded and every breaking one left as recorded.</summary>
    public List<LockedContract> Updated { get; } = [];

    /// <summary>
    /// Compares <paramref name="current"/> (the valid contracts in code) with <paramref name="recorded"/>. Recorded
    /// contracts whose CLR type is in <paramref name="unchecked"/> (contracts in code with errors of their own) are kept
    /// as they are and not reported.
    /// </summary>
    public static LockComparison Compare(List<LockedContract> current, List<LockedContract> recorded, CompatibilityMode mode, ICollection<string> @unchecked)
    {
        var comparison = new LockComparison(mode);
        var pairedRecorded = new HashSet<LockedContract>();
        var pairedCurrent = new HashSet<LockedContract>();
        foreach (LockedContract contract in current)
        {
            if (ContractLockFile.FindIn(recorded, contract.Name, contract.Version) is { } match)
            {
                pairedRecorded.Add(match);
                pairedCurrent.Add(contract);
                comparison.ComparePair(contract, match);
            }
        }

        foreach (LockedContract old in recorded)
        {
            if (pairedRecorded.Contains(old))
            {
                continue;
            }

            comparison.Updated.Add(old);
            if (@unchecked.Contains(old.Type))
            {
                continue;
            }

            LockedContract? renamed = null;
            foreach (LockedContract contract in current)
            {
                if (!pairedCurrent.Contains(contract) && string.Equals(contract.Type, old.Type, System.StringComparison.Ordinal))
                {
                    renamed = contract;
                }
            }

            if (renamed is not null)
            {
                pairedCurrent.Add(renamed);
                string what = renamed.Name != old.Name ? $"its wire name is now '{renamed.Name}'" : $"its version is now {renamed.Version.ToString(CultureInfo.InvariantCulture)}";
                comparison.Add(LockChangeKind.IdentityChanged, true, renamed, old, null,
                    $"'{old.Type}' is recorded as '{old}' and {what}; messages and stored events of '{old}' would no longer be read. Keep a contract for '{old}' (another type with its name and version) and add the new one beside it");
            }
            else
            {
                comparison.Add(LockChangeKind.ContractRemoved, true, null, old, null,
                    $"'{old}' ({old.Kind} {old.Type}) is recorded but no contract in the project has that name and version; its messages and stored events could no longer be read. Restore it, or delete its block from contracts.lock once nothing holds such messages");
            }
        }

        foreach (LockedContract contract in current)
        {
            if (!pairedCurrent.Contains(contract))
            {
                comparison.Updated.Add(contract);
                comparison.Add(LockChangeKind.NotRecorded, false, contract, null, null, $"'{contract}' ({contract.Kind} {contract.Type}) is not recorded in contracts.lock");
            }
        }

        return comparison;
    }

    private void ComparePair(LockedContract contract, LockedContract old)
    {
        int before = Changes.Count;
        if (contract.Kind != old.Kind)
        {
            Add(LockChangeKind.IdentityChanged, true, contract, old, null, $"'{old}' is recorded as a {old.Kind} and is now a {contract.Kind}; a {old.Kind} and a {contract.Kind} are routed differently, so in-flight messages would go astray");
        }

        if (contract.Type != old.Type)
        {
            Add(LockChangeKind.NotRecorded, false, contract, old, null, $"'{contract}' is recorded with the type '{old.Type}' and is now '{contract.Type}' (the wire is unchanged)");
        }

        var reported = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (LockedMember member in contract.Members)
        {
            LockedMember? was = old.At(member.Index);
            LockedMember? sameName = old.Named(member.Name);
            if (sameName is not null && sameName.Index != member.Index)
            {
                reported.Add(member.Name);
                Add(LockChangeKind.MemberRemoved, true, contract, old, member.Name,
                    $"'{contract.Name}.{member.Name}' moved from index {Index(sameName.Index)} to {Index(member.Index)}; a reader of the recorded version reads another member's value into it. Pin it with [MemberIndex({Index(sameName.Index)})]");
                continue;
            }

            if (was is null || (was.Retired && was.Name == member.Name))
            {
                string added = $"'{contract.Name}.{member.Name}' (index {Index(member.Index)}, {member.Wire})";
                if (member.Required)
                {
                    Add(LockChangeKind.RequiredMemberAdded, _mode.ChecksBackward(), contract, old, member.Name,
                        $"{added} is required and not recorded; a message written before it has none, so its reader would invent a value. Give it a default value or make it nullable");
                }
                else
                {
                    Add(LockChangeKind.NotRecorded, false, contract, old, member.Name, $"{added} is a new optional member, not recorded in contracts.lock");
                }

                continue;
            }

            if (was.Name != member.Name)
            {
                if (!was.Retired && contract.Named(was.Name) is null && was.Wire == member.Wire)
                {
                    Add(LockChangeKind.NotRecorded, false, contract, old, member.Name, $"'{contract.Name}' index {Index(member.Index)} is recorded as '{was.Name}' and is now named '{member.Name}' (same wire type: a rename)");
                }
                else if (contract.Named(was.Name) is null)
                {
                    reported.Add(was.Name);
                    Add(LockChangeKind.MemberRemoved, true, contract, old, member.Name,
                        $"'{contract.Name}.{member.Name}' takes index {Index(member.Index)}, recorded for {(was.Retired ? "the removed member" : "member")} '{was.Name}' ({was.Wire}); a reader of the recorded version reads it as '{was.Name}'. Give it a new index with [MemberIndex]");
                }

                continue;
            }

            if (was.Wire != member.Wire)
            {
                bool backward = WireTypeNames.Reads(member.Wire, was.Wire);
                bool forward = WireTypeNames.Reads(was.Wire, member.Wire);
                bool breaking = (_mode.ChecksBackward() && !backward) || (_mode.ChecksForward() && !forward);
                string readers = (backward, forward) switch
                {
                    (true, true) => "both ways",
                    (true, false) => "by new readers only (a reader of the recorded version may fail on new values)",
                    (false, true) => "by readers of the recorded version only (a new reader may fail on recorded messages)",
                    _ => "by neither reader",
                };
                Add(LockChangeKind.WireTypeChanged, breaking, contract, old, member.Name,
                    $"'{contract.Name}.{member.Name}' is recorded as {was.Wire} and is now {member.Wire}, which is readable {readers}; the project's compatibility is {_mode}");
            }
            else if (was.Required != member.Required)
            {
                Add(LockChangeKind.NotRecorded, false, contract, old, member.Name, $"'{contract.Name}.{member.Name}' is now {(member.Required ? "required" : "optional")}, not recorded in contracts.lock");
            }
        }

        foreach (LockedMember was in old.Members)
        {
            if (was.Retired || reported.Contains(was.Name) || contract.At(was.Index) is not null || contract.Named(was.Name) is not null)
            {
                continue;
            }

            bool breaking = was.Required && _mode.ChecksForward();
            Add(LockChangeKind.MemberRemoved, breaking, contract, old, was.Name, breaking
                ? $"'{contract.Name}.{was.Name}' (index {Index(was.Index)}, required) was removed; a reader of the recorded version gets no value for it from new messages. Keep it, or make it optional first"
                : $"'{contract.Name}.{was.Name}' (index {Index(was.Index)}) was removed; record it as retired so its index is never reused");
        }

        if (contract.KeyMembers != old.KeyMembers)
        {
            Add(LockChangeKind.KeyChanged, true, contract, old, null,
                $"the idempotency key of '{contract}' is recorded as ({Key(old.KeyMembers)}) and is now ({Key(contract.KeyMembers)}); the inbox would no longer recognize a repeat of a message sent before the change. Keep the key, or give the contract a new version");
        }

        bool breaks = false;
        for (int i = before; i < Changes.Count; i++)
        {
            breaks |= Changes[i].Breaking;
        }

        Updated.Add(breaks ? old : Merged(contract, old));
    }

    /// <summary>The contract as in code, with the recorded members it no longer has kept as retired.</summary>
    private static LockedContract Merged(LockedContract contract, LockedContract old)
    {
        var merged = new LockedContract(contract.Name, contract.Version, contract.Kind, contract.Type);
        merged.Members.AddRange(contract.Members);
        foreach (LockedMember was in old.Members)
        {
            if (contract.At(was.Index) is null)
            {
                merged.Members.Add(was.Retired ? was : was.AsRetired());
            }
        }

        merged.Members.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return merged;
    }

    private void Add(LockChangeKind kind, bool breaking, LockedContract? current, LockedContract? recorded, string? member, string detail) =>
        Changes.Add(new LockChange(kind, breaking, current, recorded, member, detail));

    private static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static string Key(string members) => members.Length == 0 ? "the message id" : members;
}
