using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Contracts.Tool.Output;

/// <summary>
/// A plain table: a header row, a dashed rule, columns padded to their widest cell and two spaces apart. Plain text on
/// purpose: it reads the same in a terminal, a CI log and a pasted issue, and needs no console library.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>The widest a cell is printed; longer text is cut with an ellipsis (use <c>show</c> or <c>--json</c> for all of it).</summary>
    public int MaxCellWidth { get; init; } = 60;

    public int Count => _rows.Count;

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"A row of {cells.Length} cells in a table of {headers.Length} columns.", nameof(cells));
        }

        string[] row = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            row[i] = Cut(OneLine(cells[i]));
        }

        _rows.Add(row);
    }

    public void WriteTo(TextWriter output)
    {
        int[] widths = new int[headers.Length];
        for (int i = 0; i < headers.Length; i++)
        {
            widths[i] = headers[i].Length;
            foreach (string[] row in _rows)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WriteRow(output, headers, widths);
        string[] rule = new string[headers.Length];
        for (int i = 0; i < rule.Length; i++)
        {
            rule[i] = new string('-', widths[i]);
        }

        WriteRow(output, rule, widths);
        foreach (string[] row in _rows)
        {
            WriteRow(output, row, widths);
        }
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    private string Cut(string text) => text.Length <= MaxCellWidth ? text : string.Concat(text.AsSpan(0, MaxCellWidth - 1), "…");

    private static string OneLine(string text) => text.Replace("\r", "", StringComparison.Ordinal).Replace('\n', ' ').Replace('\t', ' ');
}
