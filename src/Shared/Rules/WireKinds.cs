using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// What the shared rules know of each <see cref="WireKind"/>, one row per kind: whether it can be an idempotency key
/// and whether it is a mutable collection. How a kind is written is the generator's (Emit/WireTypes/WireTypeTable).
/// </summary>
internal static class WireKinds
{
    private const string ListAdvice = "(use IReadOnlyList<T> or ImmutableArray<T>)";

    private static readonly Traits[] s_table = Build(
    [
        new(WireKind.Unsupported, Keyable: false),
        new(WireKind.Boolean, Keyable: true),
        new(WireKind.Byte, Keyable: true),
        new(WireKind.SByte, Keyable: true),
        new(WireKind.Int16, Keyable: true),
        new(WireKind.UInt16, Keyable: true),
        new(WireKind.Int32, Keyable: true),
        new(WireKind.UInt32, Keyable: true),
        new(WireKind.Int64, Keyable: true),
        new(WireKind.UInt64, Keyable: true),

        // Floating point has no stable canonical value: the same quantity computed two ways can differ in its last bits.
        new(WireKind.Single, Keyable: false),
        new(WireKind.Double, Keyable: false),
        new(WireKind.Char, Keyable: true),
        new(WireKind.String, Keyable: true),

        // byte[] is the wire format's binary payload type, with no read-only form: not reported as mutable.
        new(WireKind.ByteArray, Keyable: false),
        new(WireKind.Guid, Keyable: true),
        new(WireKind.Decimal, Keyable: true),
        new(WireKind.DateTime, Keyable: true),
        new(WireKind.DateTimeOffset, Keyable: true),
        new(WireKind.TimeSpan, Keyable: true),
        new(WireKind.DateOnly, Keyable: true),
        new(WireKind.TimeOnly, Keyable: true),
        new(WireKind.Enum, Keyable: true),
        new(WireKind.Nullable, Keyable: true), // as its value is: see IsKey and Mutability
        new(WireKind.Array, Keyable: false, Mutable: "a mutable array '{0}' " + ListAdvice),
        new(WireKind.List, Keyable: false, Mutable: "a mutable '{0}' " + ListAdvice),
        new(WireKind.ReadOnlyList, Keyable: false),
        new(WireKind.ImmutableArray, Keyable: false),
        new(WireKind.Dictionary, Keyable: false, Mutable: "a mutable '{0}' (use IReadOnlyDictionary<TKey, TValue>)"),
        new(WireKind.ReadOnlyDictionary, Keyable: false),
        new(WireKind.Object, Keyable: false),
    ]);

    /// <summary>Whether a member of this shape can be an [IdempotencyKey]: it has one canonical value (no collections, no user types).</summary>
    public static bool IsKey(TypeShape shape) =>
        shape.Kind == WireKind.Nullable ? IsKey(shape.Arguments[0]) : RowOf(shape.Kind).Keyable;

    /// <summary>Why a member of this shape is a mutable collection, with the read-only type to use instead; null when it is not one.</summary>
    public static string? Mutability(TypeShape shape)
    {
        if (shape.Kind == WireKind.Nullable)
        {
            return Mutability(shape.Arguments[0]);
        }

        return RowOf(shape.Kind).Mutable is { } format
            ? string.Format(CultureInfo.InvariantCulture, format, shape.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat))
            : null;
    }

    /// <summary>Whether <paramref name="kind"/> has its own row (a test keeps every kind listed).</summary>
    public static bool Lists(WireKind kind) => (uint)kind < (uint)s_table.Length && s_table[(int)kind].Kind == kind;

    private static Traits RowOf(WireKind kind) => Lists(kind) ? s_table[(int)kind] : default;

    private static Traits[] Build(Traits[] rows)
    {
        int length = 0;
        foreach (Traits row in rows)
        {
            length = System.Math.Max(length, (int)row.Kind + 1);
        }

        var table = new Traits[length];
        foreach (Traits row in rows)
        {
            table[(int)row.Kind] = row;
        }

        return table;
    }

    private readonly record struct Traits(WireKind Kind, bool Keyable, string? Mutable = null);
}
