using System;
using System.Collections.Generic;

namespace Contracts.Serialization;

/// <summary>
/// Equality as <see cref="EqualityComparer{T}.Default"/>, hash codes mixed with <see cref="HashCode"/>'s
/// per-process random seed, so bucket placement cannot be predicted from outside the process. (Strings are
/// already hashed with a random seed by the runtime.)
/// </summary>
internal sealed class SeededComparer<T> : IEqualityComparer<T>
{
    public static readonly IEqualityComparer<T> Instance =
        typeof(T) == typeof(string) ? EqualityComparer<T>.Default : new SeededComparer<T>();

    public bool Equals(T? x, T? y) => EqualityComparer<T>.Default.Equals(x, y);

    public int GetHashCode(T obj) => HashCode.Combine(obj is null ? 0 : EqualityComparer<T>.Default.GetHashCode(obj));
}
