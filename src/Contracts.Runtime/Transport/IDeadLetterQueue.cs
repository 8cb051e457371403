using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport;

/// <summary>
/// Where a transport keeps dead letters: <see cref="IDeadLetters"/> lists, replays and purges them; the core adds
/// letters that have no delivery to settle (an outbox record no endpoint takes).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IDeadLetterQueue : IDeadLetters
{
    /// <summary>Keeps <paramref name="letter"/>, which no delivery carries (a delivery's failure goes through <see cref="IDeliveryControl.DeadLetterAsync"/>).</summary>
    /// <param name="letter">The letter; <see cref="MessageRecord.Endpoint"/> of its message may be empty.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the letter is kept; its <see cref="DeadLetter.Id"/> is set.</returns>
    ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken);
}
