using System;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Contracts.Serialization;

/// <summary>
/// Builds an idempotency key: the contract name, then each key member's canonical value, separated by
/// <c>|</c>. Canonical means equal values give equal text whatever the culture or representation: strings are
/// length-prefixed (so no separator inside one can forge another key), decimals lose trailing zeros, date
/// and time values are ticks, instants are UTC. Generated code calls it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public ref struct IdempotencyKeyBuilder
{
    private DefaultInterpolatedStringHandler _text;

    /// <summary>Starts a key for <paramref name="contractName"/>.</summary>
    /// <param name="contractName">The contract's wire name.</param>
    public IdempotencyKeyBuilder(string contractName)
    {
        _text = new DefaultInterpolatedStringHandler(contractName.Length + 40, 0, CultureInfo.InvariantCulture);
        _text.AppendLiteral(contractName);
    }

    /// <summary>Appends a string.</summary>
    /// <param name="value">The value.</param>
    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }

        _text.AppendLiteral("|");
        _text.AppendFormatted(value.Length);
        _text.AppendLiteral(":");
        _text.AppendLiteral(value);
    }

    /// <summary>Appends a signed integer (and enums with a signed underlying type).</summary>
    /// <param name="value">The value.</param>
    public void Append(long value)
    {
        _text.AppendLiteral("|");
        _text.AppendFormatted(value);
    }

    /// <summary>Appends an unsigned integer.</summary>
    /// <param name="value">The value.</param>
    public void Append(ulong value)
    {
        _text.AppendLiteral("|");
        _text.AppendFormatted(value);
    }

    /// <summary>Appends a decimal without trailing zeros, so 1.5 and 1.50 give one key.</summary>
    /// <param name="value">The value.</param>
    public void Append(decimal value)
    {
        _text.AppendLiteral("|");
        _text.AppendFormatted(value, "G29");
    }

    /// <summary>Appends a boolean as 1 or 0.</summary>
    /// <param name="value">The value.</param>
    public void Append(bool value) => _text.AppendLiteral(value ? "|1" : "|0");

    /// <summary>Appends a character as its code.</summary>
    /// <param name="value">The value.</param>
    public void Append(char value) => Append((long)value);

    /// <summary>Appends a GUID in its 32-digit form.</summary>
    /// <param name="value">The value.</param>
    public void Append(Guid value)
    {
        _text.AppendLiteral("|");
        _text.AppendFormatted(value, "N");
    }

    /// <summary>Appends a date and time as ticks and kind.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateTime value) => Append(value.ToBinary());

    /// <summary>Appends an instant as UTC ticks: the same instant in two offsets gives one key.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateTimeOffset value) => Append(value.UtcTicks);

    /// <summary>Appends a duration as ticks.</summary>
    /// <param name="value">The value.</param>
    public void Append(TimeSpan value) => Append(value.Ticks);

    /// <summary>Appends a date as its day number.</summary>
    /// <param name="value">The value.</param>
    public void Append(DateOnly value) => Append(value.DayNumber);

    /// <summary>Appends a time of day as ticks.</summary>
    /// <param name="value">The value.</param>
    public void Append(TimeOnly value) => Append(value.Ticks);

    /// <summary>Appends a missing value.</summary>
    public void AppendNull() => _text.AppendLiteral("|~");

    /// <summary>The key.</summary>
    /// <returns>The key's text.</returns>
    public override string ToString() => _text.ToStringAndClear();
}
