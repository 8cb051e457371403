using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Tool.Output;

namespace Contracts.Tool.DeadLetters;

/// <summary><c>contracts dead-letters list|show|replay|purge</c>.</summary>
internal static class DeadLetterCommand
{
    public const string Help =
        "contracts dead-letters list            [source] [--json]\n" +
        "contracts dead-letters show <id>       [source] [--json]\n" +
        "contracts dead-letters replay <id>     [source] [--json]\n" +
        "contracts dead-letters purge [--before <time>] [source] [--json]\n" +
        "\n" +
        "Source (exactly one):\n" +
        DeadLetterSources.Usage +
        "\n" +
        "--before takes a UTC time (2026-12-01T12:00:00Z) or an age (90m, 24h, 7d): only dead letters that last failed\n" +
        "before it are purged. Without --before, purge deletes every dead letter of the source.\n";

    public static async Task<int> RunAsync(ToolArguments args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Flag("help"))
        {
            output.Write(Help);
            return ExitCodes.Success;
        }

        if (args.Words.Count < 2)
        {
            throw new UsageException("Say what to do: dead-letters list, show <id>, replay <id> or purge.");
        }

        string verb = args.Words[1];
        bool json = args.Flag("json");
        long id = 0;
        DateTimeOffset? before = null;
        switch (verb)
        {
            case "list":
                Expect(args, 2, "dead-letters list");
                break;
            case "show" or "replay":
                Expect(args, 3, $"dead-letters {verb} <id>");
                id = ParseId(args.Words[2]);
                break;
            case "purge":
                Expect(args, 2, "dead-letters purge");
                before = args.Option("before") is { } cutOff ? ParseTime(cutOff, DateTimeOffset.UtcNow) : null;
                break;
            default:
                throw new UsageException($"'dead-letters {verb}' is not a command: list, show <id>, replay <id> or purge.");
        }

        await using DeadLetterSource source = await OpenAsync(args, $"dead-letters {verb}", cancellationToken).ConfigureAwait(false);
        switch (verb)
        {
            case "list":
                List<DeadLetter> letters = await source.ListAllAsync(cancellationToken).ConfigureAwait(false);
                WriteList(output, source, letters, json);
                return ExitCodes.Success;
            case "show":
                DeadLetter letter = await source.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id, source);
                WriteShow(output, letter, json);
                return ExitCodes.Success;
            case "replay":
                DeadLetter replayed = await source.ReplayAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id, source);
                if (json)
                {
                    var view = new ReplayView(source.Description, replayed.Id, replayed.Message.Endpoint, replayed.Message.ContractName, replayed.Message.MessageId);
                    output.WriteLine(JsonSerializer.Serialize(view, ToolJsonContext.Tool.ReplayView));
                }
                else
                {
                    output.WriteLine($"Replayed dead letter {replayed.Id}: {replayed.Message.ContractName} v{replayed.Message.ContractVersion} message {replayed.Message.MessageId}, as attempt 1.");
                    output.WriteLine(source.AfterReplay(replayed));
                }

                return ExitCodes.Success;
            default:
                int purged = await source.PurgeAsync(before, cancellationToken).ConfigureAwait(false);
                if (json)
                {
                    output.WriteLine(JsonSerializer.Serialize(new PurgeView(source.Description, purged, before), ToolJsonContext.Tool.PurgeView));
                }
                else
                {
                    output.WriteLine(before is { } time
                        ? $"Purged {purged} dead letter(s) that last failed before {Time(time)} from {source.Description}."
                        : $"Purged {purged} dead letter(s) from {source.Description}.");
                }

                return ExitCodes.Success;
        }
    }

    private static async Task<DeadLetterSource> OpenAsync(ToolArguments args, string command, CancellationToken cancellationToken)
    {
        Func<CancellationToken, Task<DeadLetterSource>> open = DeadLetterSources.Read(args);
        args.RejectUnknown(command);
        return await open(cancellationToken).ConfigureAwait(false);
    }

    private static void Expect(ToolArguments args, int words, string usage)
    {
        if (args.Words.Count != words)
        {
            throw new UsageException(args.Words.Count < words ? $"Usage: contracts {usage} [source]" : $"'{args.Words[words]}' is one word too many. Usage: contracts {usage} [source]");
        }
    }

    private static long ParseId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0
            ? id
            : throw new UsageException($"'{text}' is not a dead letter id: ids are positive whole numbers, as 'dead-letters list' shows them.");

    /// <summary>A UTC time in ISO 8601, or an age (<c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>) back from <paramref name="now"/>.</summary>
    internal static DateTimeOffset ParseTime(string text, DateTimeOffset now)
    {
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1]) && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
        {
            TimeSpan? age = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } back)
            {
                return now - back;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time
            : throw new UsageException($"--before '{text}' is neither a time (2026-12-01T12:00:00Z) nor an age (90m, 24h, 7d).");
    }

    private static ToolException NotFound(long id, DeadLetterSource source) =>
        new(ExitCodes.NotFound, $"No dead letter {id} in {source.Description}. 'contracts dead-letters list' shows the ids there are.");

    private static void WriteList(TextWriter output, DeadLetterSource source, List<DeadLetter> letters, bool json)
    {
        if (json)
        {
            var views = new List<DeadLetterView>(letters.Count);
            foreach (DeadLetter letter in letters)
            {
                views.Add(View(letter, full: false));
            }

            output.WriteLine(JsonSerializer.Serialize(new DeadLetterListView(source.Description, views.Count, views), ToolJsonContext.Tool.DeadLetterListView));
            return;
        }

        if (letters.Count == 0)
        {
            output.WriteLine($"No dead letters in {source.Description}.");
            return;
        }

        var table = new TextTable("ID", "LAST FAILED (UTC)", "ENDPOINT", "CONTRACT", "REASON", "ATTEMPTS", "ERROR");
        foreach (DeadLetter letter in letters)
        {
            MessageRecord m = letter.Message;
            table.Add(
                letter.Id.ToString(CultureInfo.InvariantCulture),
                Time(letter.LastFailedAt),
                m.Endpoint.Length == 0 ? "(none)" : m.Endpoint,
                m.ContractVersion == 1 ? m.ContractName : $"{m.ContractName} v{m.ContractVersion}",
                letter.Reason.ToString(),
                letter.Attempts.ToString(CultureInfo.InvariantCulture),
                $"{ShortType(letter.ExceptionType)}: {letter.ExceptionMessage}");
        }

        table.WriteTo(output);
        output.WriteLine();
        output.WriteLine($"{letters.Count} dead letter(s) in {source.Description}.");
    }

    private static void WriteShow(TextWriter output, DeadLetter letter, bool json)
    {
        DeadLetterView view = View(letter, full: true);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(view, ToolJsonContext.Tool.DeadLetterView));
            return;
        }

        var fields = new TextTable("FIELD", "VALUE") { MaxCellWidth = 200 };
        fields.Add("id", view.Id.ToString(CultureInfo.InvariantCulture));
        fields.Add("endpoint", view.Endpoint.Length == 0 ? "(none)" : view.Endpoint);
        fields.Add("contract", $"{view.Contract} v{view.Version}");
        fields.Add("message id", view.MessageId.ToString());
        fields.Add("correlation id", view.CorrelationId.ToString());
        fields.Add("causation id", view.CausationId?.ToString() ?? "");
        fields.Add("idempotency key", view.IdempotencyKey ?? "");
        fields.Add("reason", view.Reason);
        fields.Add("attempts", view.Attempts.ToString(CultureInfo.InvariantCulture));
        fields.Add("sent", Time(view.SentAt));
        fields.Add("first failed", Time(view.FirstFailedAt));
        fields.Add("last failed", Time(view.LastFailedAt));
        fields.Add("exception", view.ExceptionType);
        fields.Add("message", view.ExceptionMessage);
        fields.Add("payload", $"{view.PayloadBytes} bytes");
        fields.Add("traceparent", view.TraceParent ?? "");
        if (view.Headers is { } headers)
        {
            foreach (KeyValuePair<string, string> header in headers)
            {
                fields.Add($"header {header.Key}", header.Value);
            }
        }

        fields.WriteTo(output);
        output.WriteLine();
        output.WriteLine("Stack trace:");
        output.WriteLine(view.StackTrace is { Length: > 0 } trace ? trace : "(none)");
    }

    private static DeadLetterView View(DeadLetter letter, bool full)
    {
        MessageRecord m = letter.Message;
        return new DeadLetterView(
            letter.Id, m.Endpoint, m.ContractName, m.ContractVersion, m.MessageId, m.CorrelationId, m.CausationId, m.IdempotencyKey,
            letter.Reason.ToString(), letter.Attempts, m.SentAt, letter.FirstFailedAt, letter.LastFailedAt, letter.ExceptionType, letter.ExceptionMessage, m.Payload.Length)
        {
            TraceParent = full ? m.TraceParent : null,
            StackTrace = full ? letter.StackTrace : null,
            Headers = full ? m.Headers : null,
            Payload = full ? m.Payload.ToArray() : null,
        };
    }

    internal static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string ShortType(string type) => type.LastIndexOf('.') is var dot and >= 0 ? type[(dot + 1)..] : type;
}
