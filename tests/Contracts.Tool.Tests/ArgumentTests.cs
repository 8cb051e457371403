using System;
using System.Threading.Tasks;
using Contracts.Tool.DeadLetters;

namespace Contracts.Tool.Tests;

/// <summary>Bad command lines: exit code 2 and a message that says what is wrong, before anything connects.</summary>
public sealed class ArgumentTests
{
    [Theory]
    [InlineData(new string[0], "Usage:")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate' is not a command")]
    [InlineData(new[] { "dead-letters" }, "Say what to do")]
    [InlineData(new[] { "dead-letters", "peek" }, "'dead-letters peek' is not a command")]
    [InlineData(new[] { "dead-letters", "list" }, "Say where the dead letters are")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--postgres", "Host=x" }, "Give only one of")]
    [InlineData(new[] { "dead-letters", "show", "--sqlite", "a.db" }, "Usage: contracts dead-letters show <id>")]
    [InlineData(new[] { "dead-letters", "show", "abc", "--sqlite", "a.db" }, "'abc' is not a dead letter id")]
    [InlineData(new[] { "dead-letters", "replay", "-4", "--sqlite", "a.db" }, "'-4' is not a dead letter id")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--bogus", "1" }, "has no option --bogus")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--before", "1h" }, "has no option --before")]
    [InlineData(new[] { "dead-letters", "purge", "--sqlite", "a.db", "--before", "someday" }, "neither a time")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--schema", "s" }, "--schema goes with --postgres")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--endpoint", "e" }, "--endpoint goes with --rabbitmq, --nats or --redis")]
    [InlineData(new[] { "dead-letters", "list", "--nats", "nats://127.0.0.1:4222", "--exchange", "x" }, "--exchange goes with --rabbitmq")]
    [InlineData(new[] { "dead-letters", "list", "--rabbitmq", "amqp://127.0.0.1/", "--prefix", "p" }, "--prefix goes with --nats or --redis")]
    [InlineData(new[] { "dead-letters", "list", "--nats", "nats://127.0.0.1:4222", "--redis", "127.0.0.1:6379" }, "Give only one of")]
    [InlineData(new[] { "dead-letters", "list", "--nats", "http://127.0.0.1:4222" }, "is not a NATS URL")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite" }, "Option --sqlite needs a value")]
    [InlineData(new[] { "dead-letters", "list", "--sqlite", "a.db", "--sqlite", "b.db" }, "given 2 times")]
    [InlineData(new[] { "catalog" }, "Usage: contracts catalog")]
    [InlineData(new[] { "catalog", "a.dll", "b.dll" }, "'b.dll' is one word too many")]
    public async Task A_bad_command_line_exits_with_2_and_says_why(string[] args, string message)
    {
        ToolRun run = (await ToolRun.RunAsync(args)).Expect(ExitCodes.Usage);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task With_json_an_error_is_json_on_standard_error()
    {
        ToolRun run = (await ToolRun.RunAsync("dead-letters", "show", "x", "--sqlite", "a.db", "--json")).Expect(ExitCodes.Usage);
        Assert.Equal(ExitCodes.Usage, run.ErrorJson().GetProperty("exitCode").GetInt32());
        Assert.Contains("'x' is not a dead letter id", run.ErrorJson().GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("'x' is not a dead letter id", run.Error, StringComparison.Ordinal); // Written as is, not as \u0027.
    }

    [Theory]
    [InlineData(new[] { "--help" }, "contracts dead-letters list")]
    [InlineData(new[] { "dead-letters", "--help" }, "--before takes a UTC time")]
    [InlineData(new[] { "catalog", "--help" }, "none of its code runs")]
    public async Task Help_is_printed_with_exit_code_0(string[] args, string text)
    {
        ToolRun run = (await ToolRun.RunAsync(args)).Expect(ExitCodes.Success);
        Assert.Contains(text, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_takes_an_age_or_a_utc_time()
    {
        var now = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(now.AddDays(-7), DeadLetterCommand.ParseTime("7d", now));
        Assert.Equal(now.AddHours(-24), DeadLetterCommand.ParseTime("24h", now));
        Assert.Equal(now.AddMinutes(-90), DeadLetterCommand.ParseTime("90m", now));
        Assert.Equal(now.AddSeconds(-30), DeadLetterCommand.ParseTime("30s", now));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero), DeadLetterCommand.ParseTime("2026-12-01T08:30:00Z", now));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero), DeadLetterCommand.ParseTime("2026-12-01 08:30", now));
    }
}
