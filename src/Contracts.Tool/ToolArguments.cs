using System;
using System.Collections.Generic;

namespace Contracts.Tool;

/// <summary>The command line split into positional words and <c>--name value</c> options (a flag has no value).</summary>
internal sealed class ToolArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private ToolArguments(List<string> words) => Words = words;

    /// <summary>The options that take no value.</summary>
    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "json", "help", "references" };

    public List<string> Words { get; }

    public static ToolArguments Parse(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        var parsed = new ToolArguments(words);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "-?")
            {
                arg = "--help";
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                words.Add(arg);
                continue;
            }

            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!s_flags.Contains(name))
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"Option --{name} needs a value.");
                }

                value = args[++i];
            }

            if (!parsed._options.TryGetValue(name, out List<string>? values))
            {
                parsed._options[name] = values = [];
            }

            values.Add(value ?? "");
        }

        return parsed;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>The option's value, or <see langword="null"/>; given twice is an error.</summary>
    public string? Option(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out List<string>? values))
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw new UsageException($"Option --{name} is given {values.Count} times; give it once.");
        }

        return values[0];
    }

    /// <summary>Every value of a repeatable option, each also split at commas.</summary>
    public List<string> Options(string name)
    {
        _read.Add(name);
        var all = new List<string>();
        if (_options.TryGetValue(name, out List<string>? values))
        {
            foreach (string value in values)
            {
                foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    all.Add(part);
                }
            }
        }

        return all;
    }

    /// <summary>Fails on an option the command never asked for: a typo must not be ignored.</summary>
    public void RejectUnknown(string command)
    {
        foreach (string name in _options.Keys)
        {
            if (!_read.Contains(name))
            {
                throw new UsageException($"'{command}' has no option --{name}. See 'contracts {command} --help'.");
            }
        }
    }
}
