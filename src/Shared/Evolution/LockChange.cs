namespace Contracts.CodeAnalysis;

/// <summary>What differs between the code and the lock file; each kind is one diagnostic.</summary>
internal enum LockChangeKind
{
    /// <summary>CTR040: a contract, member or detail the lock file does not record yet, safe to record.</summary>
    NotRecorded,

    /// <summary>CTR042: a member removed, moved, or its index reused.</summary>
    MemberRemoved,

    /// <summary>CTR043: a member's wire type changed.</summary>
    WireTypeChanged,

    /// <summary>CTR044: a required member added.</summary>
    RequiredMemberAdded,

    /// <summary>CTR045: the wire name, version or kind of a recorded contract changed.</summary>
    IdentityChanged,

    /// <summary>CTR046: the idempotency key members changed.</summary>
    KeyChanged,

    /// <summary>CTR047: a recorded contract is gone.</summary>
    ContractRemoved,
}

/// <summary>
/// One difference between code and lock file. <see cref="Breaking"/> says whether the project's compatibility mode
/// forbids it (an error); otherwise it is safe and the code fix records it. <see cref="Current"/> is the contract in code
/// (null when it is gone), <see cref="Recorded"/> the lock file's (null when new); <see cref="Member"/> the member concerned.
/// </summary>
internal sealed class LockChange(LockChangeKind kind, bool breaking, LockedContract? current, LockedContract? recorded, string? member, string detail)
{
    public LockChangeKind Kind { get; } = kind;

    public bool Breaking { get; } = breaking;

    public LockedContract? Current { get; } = current;

    public LockedContract? Recorded { get; } = recorded;

    public string? Member { get; } = member;

    /// <summary>The diagnostic's message, naming the contract and member.</summary>
    public string Detail { get; } = detail;
}
