using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The lock file (<c>contracts.lock</c> beside the project): a line-oriented text file, one block per contract and one
/// line per member, sorted ordinally (contracts by wire name then version, members by index), invariant culture, LF
/// line endings, no timestamps: the same contracts give the same bytes on every build and machine.
/// <code>
/// contract shop.order-placed v1 event Shop.OrderPlaced
///   0 OrderId guid required key
///   1 Total decimal required
///   2 Note string? optional retired
/// </code>
/// Names are written with <c>%XX</c> escapes for a space, <c>%</c> and control characters, so every field is one word.
/// </summary>
internal static class ContractLockFile
{
    /// <summary>The file name the analyzers look for among the project's additional files.</summary>
    public const string FileName = "contracts.lock";

    private const string Header =
        "# contracts.lock: the wire shape of every contract this project has recorded, checked on build (CTR040-CTR048).\n" +
        "# Record a change with the code fix its diagnostic offers; see docs/evolution.md. Sorted, so a diff shows what changed.\n";

    /// <summary>Whether <paramref name="path"/> names a lock file.</summary>
    public static bool IsLockFile(string path)
    {
        int slash = System.Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return string.Equals(path.Substring(slash + 1), FileName, System.StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The file's text for <paramref name="contracts"/>, in canonical order whatever order they come in.</summary>
    public static string Write(IEnumerable<LockedContract> contracts)
    {
        var sorted = new List<LockedContract>(contracts);
        sorted.Sort(Compare);
        var text = new StringBuilder(Header);
        foreach (LockedContract contract in sorted)
        {
            text.Append("contract ").Append(Escape(contract.Name))
                .Append(" v").Append(contract.Version.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(contract.Kind)
                .Append(' ').Append(Escape(contract.Type)).Append('\n');
            var members = new List<LockedMember>(contract.Members);
            members.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            foreach (LockedMember member in members)
            {
                text.Append("  ").Append(member.Index.ToString(CultureInfo.InvariantCulture))
                    .Append(' ').Append(Escape(member.Name))
                    .Append(' ').Append(Escape(member.Wire))
                    .Append(member.Required ? " required" : " optional");
                if (member.Key)
                {
                    text.Append(" key");
                }

                if (member.Retired)
                {
                    text.Append(" retired");
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Canonical order: wire name ordinally, then version.</summary>
    public static int Compare(LockedContract a, LockedContract b)
    {
        int byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName : a.Version.CompareTo(b.Version);
    }

    /// <summary>
    /// Reads the file's text. A line it cannot read is listed in <paramref name="errors"/> (line number and why) and
    /// skipped, with the rest of its contract when it is the contract's own line: nothing else is lost.
    /// </summary>
    public static List<LockedContract> Read(string text, List<(int Line, string Error)> errors)
    {
        var contracts = new List<LockedContract>();
        LockedContract? current = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            int number = i + 1;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith("#", System.StringComparison.Ordinal))
            {
                continue;
            }

            string[] words = line.Trim().Split(' ');
            if (!line.StartsWith(" ", System.StringComparison.Ordinal))
            {
                current = null;
                if (words.Length != 5 || words[0] != "contract" || !words[2].StartsWith("v", System.StringComparison.Ordinal)
                    || !int.TryParse(words[2].Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1
                    || words[3] is not ("command" or "event" or "query"))
                {
                    errors.Add((number, "expected 'contract <wire name> v<version> command|event|query <type>'"));
                    continue;
                }

                current = new LockedContract(Unescape(words[1]), version, words[3], Unescape(words[4])) { Line = number };
                if (FindIn(contracts, current.Name, current.Version) is not null)
                {
                    errors.Add((number, $"'{current}' is recorded twice"));
                    current = null;
                    continue;
                }

                contracts.Add(current);
                continue;
            }

            if (current is null)
            {
                errors.Add((number, "a member line outside a contract (or under one that could not be read)"));
                continue;
            }

            if (words.Length < 4 || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > 255
                || words[3] is not ("required" or "optional") || !Flags(words, out bool key, out bool retired))
            {
                errors.Add((number, "expected '<index> <name> <wire type> required|optional [key] [retired]'"));
                continue;
            }

            if (current.At(index) is not null)
            {
                errors.Add((number, $"index {index} of '{current}' is recorded twice"));
                continue;
            }

            current.Members.Add(new LockedMember(index, Unescape(words[1]), Unescape(words[2]), words[3] == "required", key, retired));
        }

        foreach (LockedContract contract in contracts)
        {
            contract.Members.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        }

        return contracts;
    }

    /// <summary>The contract recorded as <paramref name="name"/> version <paramref name="version"/>, or null.</summary>
    public static LockedContract? FindIn(List<LockedContract> contracts, string name, int version)
    {
        foreach (LockedContract contract in contracts)
        {
            if (contract.Version == version && string.Equals(contract.Name, name, System.StringComparison.Ordinal))
            {
                return contract;
            }
        }

        return null;
    }

    private static bool Flags(string[] words, out bool key, out bool retired)
    {
        key = false;
        retired = false;
        for (int i = 4; i < words.Length; i++)
        {
            switch (words[i])
            {
                case "key" when !key:
                    key = true;
                    break;
                case "retired" when !retired:
                    retired = true;
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private static string Escape(string text)
    {
        StringBuilder? escaped = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is ' ' or '%' or '#' || c < ' ' || c == '\u007f')
            {
                escaped ??= new StringBuilder(text, 0, i, text.Length + 8);
                escaped.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped?.Append(c);
            }
        }

        return escaped?.ToString() ?? (text.Length == 0 ? "%00" : text);
    }

    private static string Unescape(string text)
    {
        if (text == "%00")
        {
            return "";
        }

        if (text.IndexOf('%') < 0)
        {
            return text;
        }

        var plain = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && int.TryParse(text.Substring(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
            {
                plain.Append((char)code);
                i += 2;
            }
            else
            {
                plain.Append(text[i]);
            }
        }

        return plain.ToString();
    }
}
