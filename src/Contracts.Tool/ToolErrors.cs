using System;

namespace Contracts.Tool;

/// <summary>The exit codes of the <c>contracts</c> tool.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command failed: the server answered with an error, a replay could not be written, the assembly cannot be read.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>What the command names does not exist: no dead letter with that id, no such file.</summary>
    public const int NotFound = 3;

    /// <summary>The store or broker cannot be reached or opened (server down, login refused, tables missing).</summary>
    public const int Unreachable = 4;
}

/// <summary>A wrong command line: printed with a pointer to the help, exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A failure the tool explains itself, with the exit code it means.</summary>
internal sealed class ToolException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
