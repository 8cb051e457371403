using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport.RabbitMq;

namespace Contracts.Tool.DeadLetters;

/// <summary>
/// The error queues of named endpoints on RabbitMQ, through the transport's own <see cref="RabbitMqDeadLetterBrowser"/>:
/// a replay publishes the message to its endpoint's queue with a publisher confirm and acknowledges it on the error
/// queue only after the confirm, so whichever bus consumes the endpoint gets it, and a failure in between leaves it there.
/// </summary>
internal sealed class RabbitMqDeadLetterSource(RabbitMqDeadLetterBrowser browser, string description) : DeadLetterSource
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
            ? $"RabbitMQ confirmed it on queue '{letter.Message.Endpoint}'; a bus consuming that endpoint handles it (now, or when one starts)."
            : $"RabbitMQ confirmed it, routed by its contract '{letter.Message.ContractName}'; the buses consuming that contract handle it.";

    public override ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken) => browser.PurgeAsync(failedBefore, cancellationToken);

    public override ValueTask DisposeAsync() => browser.DisposeAsync();
}
