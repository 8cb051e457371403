using Contracts.Generator.Model;

namespace Contracts.Generator.Emit.WireTypes;

/// <summary>
/// How generated formatters read and write one wire kind. One subclass per family of kinds, one row per kind in
/// <see cref="WireTypeTable"/>: adding a kind touches its class and its row, not every emitter.
/// </summary>
internal abstract class WireType
{
    public const string MessagePackFormatters = "global::MessagePack.Formatters.";
    public const string Serialization = "global::Contracts.Serialization.";

    /// <summary>Whether the value is read and written in place (scalars, nested objects), or through a composed formatter field (collections).</summary>
    public virtual bool IsInline(TypeSpec type) => true;

    /// <summary>Whether a <c>T?</c> of this kind is still written in place: a scalar, not a collection or an object.</summary>
    public virtual bool IsScalar => true;

    /// <summary>Whether the formatter is MessagePack's, declared for <c>string?</c> or <c>byte[]?</c> where generated code names <c>string</c> or <c>byte[]</c>.</summary>
    public virtual bool HasNullableMismatch => false;

    /// <summary>The type's name when the kind is exactly one framework type, so it is not spelled again for every member; else null.</summary>
    public virtual string? TypeName => null;

    /// <summary>A statement writing <paramref name="expression"/> in place; <paramref name="local"/> is free for an unwrapped value.</summary>
    public virtual string Write(TypeSpec type, string expression, string local) => throw NotInline();

    /// <summary>An expression reading the value in place.</summary>
    public virtual string Read(TypeSpec type) => throw NotInline();

    /// <summary>An expression for the type's formatter: a shared instance, or collection formatters composed over their elements'.</summary>
    public abstract string Formatter(TypeSpec type);

    /// <summary>A statement adding the value to the idempotency key named <c>key</c>.</summary>
    public virtual string AppendKey(TypeSpec type, string expression, string local) => $"key.Append({KeyValue(type, expression)});";

    /// <summary>The value as the key builder takes it: itself, or its canonical form (an enum as its number).</summary>
    public virtual string KeyValue(TypeSpec type, string expression) => expression;

    private System.InvalidOperationException NotInline() => new($"{GetType().Name} is written through a formatter field, not in place");
}
