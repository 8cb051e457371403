using System;

namespace Contracts.Routing;

/// <summary>
/// A topic pattern of an event subscription, matched against an event's routing name (its contract name, with a
/// <c>.v</c>N suffix from version 2 on). Names are split at dots into segments; in a pattern <c>*</c> stands for
/// exactly one segment and <c>&gt;</c>, only as the last segment, for one or more. These are NATS's subject wildcards;
/// RabbitMQ's topic exchange says the same with <c>*</c> and <c>*.#</c>. Matching is ordinal (case-sensitive), as
/// brokers match.
/// </summary>
internal static class TopicPattern
{
    /// <summary>Throws <see cref="ArgumentException"/> saying what is wrong when <paramref name="pattern"/> is not a valid pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="parameter">The argument's name, for the exception.</param>
    public static void Validate(string pattern, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern, parameter);
        string[] segments = pattern.Split('.');
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i];
            if (segment.Length == 0)
            {
                throw new ArgumentException($"Topic pattern '{pattern}' has an empty segment: segments are separated by single dots, as in 'shop.orders.*'.", parameter);
            }

            if (segment == ">" && i != segments.Length - 1)
            {
                throw new ArgumentException($"Topic pattern '{pattern}' has '>' before its last segment: '>' (one or more segments) may only end a pattern, as in 'shop.orders.>'.", parameter);
            }

            if (segment is "*" or ">")
            {
                continue;
            }

            foreach (char c in segment)
            {
                if (c is '*' or '>' or '#' || char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    throw new ArgumentException(
                        $"Topic pattern '{pattern}' has segment '{segment}': a segment is a name, '*' (exactly one segment) or a final '>' (one or more). " +
                        "Wildcards do not combine with other characters in a segment, and '#' is written '>'.", parameter);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="pattern"/> (valid) matches the routing name <paramref name="address"/>.</summary>
    /// <param name="pattern">A valid pattern.</param>
    /// <param name="address">An event's routing name.</param>
    /// <returns>Whether it matches.</returns>
    public static bool Matches(string pattern, string address)
    {
        int p = 0, a = 0;
        while (true)
        {
            int patternEnd = End(pattern, p);
            int addressEnd = End(address, a);
            ReadOnlySpan<char> segment = pattern.AsSpan(p, patternEnd - p);
            if (segment is ">")
            {
                return a < address.Length; // one or more segments remain
            }

            if (segment is not "*" && !segment.SequenceEqual(address.AsSpan(a, addressEnd - a)))
            {
                return false;
            }

            bool patternDone = patternEnd >= pattern.Length;
            bool addressDone = addressEnd >= address.Length;
            if (patternDone || addressDone)
            {
                return patternDone && addressDone;
            }

            p = patternEnd + 1;
            a = addressEnd + 1;
        }
    }

    private static int End(string text, int start)
    {
        if (start >= text.Length)
        {
            return text.Length;
        }

        int dot = text.IndexOf('.', start);
        return dot < 0 ? text.Length : dot;
    }
}
