using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Tool.AsyncApi;
using Contracts.Tool.Catalog;
using Contracts.Tool.DeadLetters;
using Contracts.Tool.Output;

namespace Contracts.Tool;

/// <summary>
/// The <c>contracts</c> command: <c>dead-letters list|show|replay|purge</c> on a SQLite or PostgreSQL store or on
/// the dead letters of RabbitMQ, NATS JetStream or Redis Streams, <c>catalog</c> of a compiled assembly and its AsyncAPI 3.0 document (<c>asyncapi</c>). Tables for people, <c>--json</c> for scripts;
/// errors on standard error with an exit code from <see cref="ExitCodes"/>.
/// </summary>
public static class ContractsTool
{
    private const string Help =
        "contracts: dead letters and contract catalogs of Contracts applications.\n" +
        "\n" +
        "Usage:\n" +
        "  contracts dead-letters list|show <id>|replay <id>|purge [--before <time>] <source> [--json]\n" +
        "  contracts catalog <assembly.dll> [--references] [--json]\n" +
        "  contracts asyncapi <assembly.dll> [--references] [--output <file>]\n" +
        "\n" +
        "Sources:\n" +
        DeadLetterSources.Usage +
        "\n" +
        "'contracts <command> --help' tells more. Exit codes: 0 done, 1 failed, 2 bad arguments, 3 not found, 4 store or broker unreachable.\n";

    /// <summary>Runs the command line <paramref name="args"/>, writing results to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Where results go (standard output).</param>
    /// <param name="error">Where errors go (standard error).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The exit code (<see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        bool json = Array.IndexOf(args, "--json") >= 0;
        try
        {
            ToolArguments parsed = ToolArguments.Parse(args);
            string? command = parsed.Words.Count > 0 ? parsed.Words[0] : null;
            switch (command)
            {
                case "dead-letters":
                    return await DeadLetterCommand.RunAsync(parsed, output, cancellationToken).ConfigureAwait(false);
                case "catalog":
                    return CatalogCommand.Run(parsed, output);
                case "asyncapi":
                    return AsyncApiCommand.Run(parsed, output);
                case null when parsed.Flag("help"):
                    output.Write(Help);
                    return ExitCodes.Success;
                case null:
                    error.Write(Help);
                    return ExitCodes.Usage;
                default:
                    throw new UsageException($"'{command}' is not a command: dead-letters, catalog or asyncapi.");
            }
        }
        catch (UsageException ex)
        {
            return Fail(error, json, ex.Message + (json ? "" : " Run 'contracts --help' for usage."), ExitCodes.Usage);
        }
        catch (ToolException ex)
        {
            return Fail(error, json, ex.Message, ex.ExitCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(error, json, "Cancelled.", ExitCodes.Failed);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException or System.Data.Common.DbException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
        {
            // What the stores and the broker say when a call fails after they opened: their messages say what and where.
            return Fail(error, json, $"{ex.GetType().Name}: {ex.Message}", ExitCodes.Failed);
        }
    }

    private static int Fail(TextWriter error, bool json, string message, int exitCode)
    {
        error.WriteLine(json ? JsonSerializer.Serialize(new ErrorView(message, exitCode), ToolJsonContext.Tool.ErrorView) : $"error: {message}");
        return exitCode;
    }
}
