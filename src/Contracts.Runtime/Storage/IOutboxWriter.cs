using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage;

/// <summary>Writes outbox records inside the caller's database transaction; see <see cref="OutboxExtensions.Outbox"/>.</summary>
public interface IOutboxWriter
{
    /// <summary>Adds <paramref name="record"/> to the outbox in the caller's transaction.</summary>
    /// <param name="record">The message, not yet routed (<see cref="MessageRecord.Endpoint"/> is empty).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when the row is written (it becomes visible when the caller commits).</returns>
    ValueTask WriteAsync(MessageRecord record, CancellationToken cancellationToken);
}
