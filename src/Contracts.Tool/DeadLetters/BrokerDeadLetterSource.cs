using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Tool.DeadLetters;

/// <summary>
/// A broker's dead letters through its transport's own browser (<c>RabbitMqDeadLetterBrowser</c>,
/// <c>NatsDeadLetterBrowser</c>, <c>RedisDeadLetterBrowser</c>), which settles them as a bus does: a replay puts the
/// message back on its endpoint's queue or stream, acknowledged by the broker, before the letter is removed, so whichever
/// bus consumes the endpoint gets it, and a failure in between leaves it there.
/// </summary>
/// <param name="browser">The open browser; disposed with the source.</param>
/// <param name="description">What the tool is looking at, for output.</param>
/// <param name="stored">What the broker did with a replayed message, for the operator: "RabbitMQ confirmed it".</param>
internal sealed class BrokerDeadLetterSource<TBrowser>(TBrowser browser, string description, string stored) : DeadLetterSource
    where TBrowser : IDeadLetters, IAsyncDisposable
{
    public override string Description => description;

    protected override ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken) =>
        browser.ListAsync(afterId, limit, cancellationToken);

    public override ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken) => browser.GetAsync(id, cancellationToken);

    public override async ValueTask<DeadLetter?> ReplayAsync(long id, CancellationToken cancellationToken)
    {
        if (await browser.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } letter)
        {
            return null;
        }

        return await browser.ReplayAsync(id, cancellationToken).ConfigureAwait(false) ? letter : null;
    }

    public override string AfterReplay(DeadLetter letter) =>
        letter.Message.Endpoint.Length > 0
            ? $"{stored} on endpoint '{letter.Message.Endpoint}'; a bus consuming that endpoint handles it (now, or when one starts)."
            : $"{stored}, routed by its contract '{letter.Message.ContractName}'; the buses consuming that contract handle it.";

    public override ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken) => browser.PurgeAsync(failedBefore, cancellationToken);

    public override ValueTask DisposeAsync() => browser.DisposeAsync();
}
