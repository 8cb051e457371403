using System;
using System.ComponentModel;
using System.Globalization;

namespace Contracts.Sagas;

/// <summary>The text a <see cref="SagaIdAttribute"/> value is stored under; generated correlations call it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SagaKeys
{
    /// <summary>A <see cref="Guid"/> as 32 digits without dashes.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Its key.</returns>
    public static string Of(Guid id) => id.ToString("N");

    /// <summary>A string as it is.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Its key.</returns>
    /// <exception cref="ArgumentException">The id is null or empty: it names no instance.</exception>
    public static string Of(string id) => string.IsNullOrEmpty(id) ? throw new ArgumentException("A saga id must not be null or empty.", nameof(id)) : id;

    /// <summary>A number in invariant digits.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Its key.</returns>
    public static string Of(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number in invariant digits.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Its key.</returns>
    public static string Of(long id) => id.ToString(CultureInfo.InvariantCulture);
}
