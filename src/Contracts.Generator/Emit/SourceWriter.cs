using System;
using System.Text;

namespace Contracts.Generator.Emit;

/// <summary>A string builder that indents: generated code stays readable.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length == 0)
        {
            _builder.Append('\n');
            return this;
        }

        _builder.Append(' ', _indent * 4).Append(text).Append('\n');
        return this;
    }

    /// <summary>Writes a block of lines (a raw string literal), each at the current indentation.</summary>
    public SourceWriter Lines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    public SourceWriter Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public IDisposable Block(string text)
    {
        Open(text);
        return new Closer(this);
    }

    public override string ToString() => _builder.ToString();

    private sealed class Closer(SourceWriter writer) : IDisposable
    {
        public void Dispose() => writer.Close();
    }
}
