using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>What a dead letter keeps of a failure: type, message and frames, without build paths, bounded; or all of it on request.</summary>
public sealed partial class DeadLetterTraceTests
{
    [Command] public partial record Doomed([property: IdempotencyKey] int N);

    public sealed class DoomedHandler : ICommandHandler<Doomed>
    {
        public ValueTask HandleAsync(Doomed command, MessageContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"doomed {command.N}");
    }

    [Fact]
    public void A_dead_letter_keeps_the_frames_but_not_the_source_paths()
    {
        Exception error = Caught(() => Fail());
        Assert.Contains(".cs:line ", error.ToString(), StringComparison.Ordinal); // the test build has its paths

        DeadLetter letter = DeadLetter.From(new MessageRecord(), DeadLetterReason.Failed, error, DeadLetterDetail.Bounded, 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        Assert.Equal(typeof(InvalidOperationException).FullName, letter.ExceptionType);
        Assert.Equal("broken on purpose", letter.ExceptionMessage);
        Assert.Contains(nameof(Fail), letter.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line ", letter.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain(" in /", letter.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void With_full_detail_a_dead_letter_keeps_the_whole_exception()
    {
        Exception error = Caught(() => Recurse(400));

        DeadLetter letter = DeadLetter.From(new MessageRecord(), DeadLetterReason.Failed, error, DeadLetterDetail.Full, 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        Assert.Equal(error.ToString(), letter.StackTrace);
        Assert.Contains(".cs:line ", letter.StackTrace, StringComparison.Ordinal);
        Assert.True(letter.StackTrace.Length > DeadLetter.MaxTraceLength);
    }

    [Theory]
    [InlineData(DeadLetterDetail.Bounded)]
    [InlineData(DeadLetterDetail.Full)]
    public async Task A_failed_handler_is_dead_lettered_with_the_detail_the_options_ask_for(DeadLetterDetail detail)
    {
        await using TestBus host = await TestBus.StartAsync(configure: o => o.DeadLetterDetail = detail);

        await host.Bus.SendAsync(new Doomed(1), cancellationToken: TestContext.Current.CancellationToken);

        DeadLetter letter = await FirstDeadLetterAsync(host.Services.GetRequiredService<IDeadLetters>());
        Assert.Equal("doomed 1", letter.ExceptionMessage);
        Assert.Contains(nameof(DoomedHandler), letter.StackTrace, StringComparison.Ordinal);
        Assert.Equal(detail == DeadLetterDetail.Full, letter.StackTrace.Contains(".cs:line ", StringComparison.Ordinal));
    }

    private static async Task<DeadLetter> FirstDeadLetterAsync(IDeadLetters deadLetters)
    {
        DateTime deadline = DateTime.UtcNow + TestBus.Timeout;
        while (true)
        {
            if (await deadLetters.ListAsync() is [DeadLetter first, ..])
            {
                return first;
            }

            Assert.True(DateTime.UtcNow < deadline, "No dead letter came.");
            await Task.Delay(10);
        }
    }

    [Fact]
    public void A_huge_trace_is_cut_at_the_limit()
    {
        Exception error = Caught(() => Recurse(400));
        Assert.True(error.ToString().Length > DeadLetter.MaxTraceLength);

        string trace = DeadLetter.Trace(error);

        Assert.True(trace.Length <= DeadLetter.MaxTraceLength + 64, $"{trace.Length} characters");
        Assert.EndsWith($"(trace cut at {DeadLetter.MaxTraceLength} characters)", trace, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dead_letter_written_to_headers_carries_at_most_a_few_KB_of_trace()
    {
        var letter = new DeadLetter { Message = new MessageRecord { Endpoint = "E" }, StackTrace = new string('x', DeadLetter.MaxTraceLength) };
        var headers = new Headers();

        Transport.EnvelopeCodec.WriteFailure(letter, headers);

        Assert.Equal(Transport.EnvelopeCodec.MaxHeaderTrace, headers.Values[Transport.EnvelopeHeaders.ErrorStack].Length);
        Assert.Equal("E", headers.Values[Transport.EnvelopeHeaders.ErrorEndpoint]);
    }

    private sealed class Headers : Transport.IHeaderWriter
    {
        public readonly System.Collections.Generic.Dictionary<string, string> Values = new(StringComparer.Ordinal);

        public void Set(string name, string value) => Values[name] = value;
    }

    private static Exception Caught(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("The action did not throw.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail() => throw new InvalidOperationException("broken on purpose");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Recurse(int depth)
    {
        if (depth == 0)
        {
            throw new InvalidOperationException("deep");
        }

        Recurse(depth - 1);
    }
}
