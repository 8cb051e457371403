using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Sagas;

namespace Contracts;

/// <summary>
/// What one step of a saga does besides changing its state: the commands and events it sends (with what undoes
/// each), the timeouts it asks for, and how the saga ends. Nothing leaves while the step runs: what it records is
/// sent when its state is saved, in the same transaction on a store that has them (the outbox), so a step that fails
/// or loses a race to another step of the same instance sends nothing.
/// </summary>
public sealed class SagaContext
{
    private readonly List<Outgoing> _outgoing = [];
    private readonly SagaData _data;
    private readonly DateTimeOffset _now;
    private string? _compensateReason;

    internal SagaContext(MessageContext message, string sagaId, bool started, SagaData data, DateTimeOffset now)
    {
        MessageContext = message;
        SagaId = sagaId;
        IsNew = started;
        _data = data;
        _now = now;
    }

    /// <summary>The delivery: message id, correlation, headers, the step's DI scope.</summary>
    public MessageContext MessageContext { get; }

    /// <summary>The instance id, as stored (a <see cref="Guid"/> without dashes).</summary>
    public string SagaId { get; }

    /// <summary>Whether this step started the instance.</summary>
    public bool IsNew { get; }

    /// <summary>Running, or how the step ended the saga.</summary>
    public SagaStatus Status { get; private set; }

    /// <summary>How many compensations are recorded and not yet run.</summary>
    public int PendingCompensations => _data.Compensations.Count;

    /// <summary>How many timeouts this instance asked for and has not had back; the end of the saga cancels them.</summary>
    public int PendingTimeouts => _data.Timeouts.Count;

    internal List<Outgoing> Outgoing => _outgoing;

    internal SagaData Data => _data;

    /// <summary>Sends <paramref name="command"/> when the step's state is saved; it needs no undoing.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers, message id.</param>
    public void Send<TCommand>(TCommand command, SendOptions? options = null)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        ArgumentNullException.ThrowIfNull(command);
        ThrowIfEnded();
        _outgoing.Add(new Outgoing(TCommand.Contract, command, options));
        Note($"sent {TCommand.Contract}");
    }

    /// <summary>
    /// Sends <paramref name="command"/> when the step's state is saved, saying it needs no compensation, in a saga that
    /// records some: a command whose failure leaves nothing to undo (a declined card charged nothing), or whose
    /// compensation the step that sees it succeed records (<see cref="RecordCompensation"/>). Same as
    /// <see cref="Send{TCommand}(TCommand, SendOptions?)"/>, without CTR032.
    /// </summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers, message id.</param>
    public void SendWithoutCompensation<TCommand>(TCommand command, SendOptions? options = null)
        where TCommand : class, ICommand, IContract<TCommand>
        => Send(command, options);

    /// <summary>
    /// Records <paramref name="compensateWith"/> without sending anything: what undoes an effect this step learned of
    /// (a charge that went through). It is sent if the saga compensates, before those recorded earlier.
    /// </summary>
    /// <typeparam name="TCompensation">The compensating command's contract.</typeparam>
    /// <param name="compensateWith">What undoes it.</param>
    public void RecordCompensation<TCompensation>(TCompensation compensateWith)
        where TCompensation : class, ICommand, IContract<TCompensation>
    {
        ArgumentNullException.ThrowIfNull(compensateWith);
        ThrowIfEnded();
        AddCompensation(compensateWith);
        Note($"compensation {TCompensation.Contract} recorded");
    }

    /// <summary>
    /// Sends <paramref name="command"/> when the step's state is saved, and records <paramref name="compensateWith"/>,
    /// the command that undoes it: sent if the saga compensates, after the compensations recorded later.
    /// </summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <typeparam name="TCompensation">The compensating command's contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="compensateWith">What undoes it.</param>
    public void Send<TCommand, TCompensation>(TCommand command, TCompensation compensateWith)
        where TCommand : class, ICommand, IContract<TCommand>
        where TCompensation : class, ICommand, IContract<TCompensation>
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(compensateWith);
        ThrowIfEnded();
        AddCompensation(compensateWith);
        _outgoing.Add(new Outgoing(TCommand.Contract, command, null));
        Note($"sent {TCommand.Contract} (compensation {TCompensation.Contract})");
    }

    /// <summary>Publishes <paramref name="event"/> when the step's state is saved.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers, message id.</param>
    public void Publish<TEvent>(TEvent @event, SendOptions? options = null)
        where TEvent : class, IEvent, IContract<TEvent>
    {
        ArgumentNullException.ThrowIfNull(@event);
        ThrowIfEnded();
        _outgoing.Add(new Outgoing(TEvent.Contract, @event, options));
        Note($"published {TEvent.Contract}");
    }

    /// <summary>
    /// Asks for <paramref name="timeout"/> to come back to this saga after <paramref name="after"/>: a delayed command,
    /// stored like any (durable on a durable store, so it survives a restart). When it comes and the saga has ended, it
    /// runs no step: an ended saga cancels its timeouts. The saga must handle the command (CTR033).
    /// </summary>
    /// <typeparam name="TTimeout">The timeout's command contract, with the same <see cref="SagaIdAttribute"/> member.</typeparam>
    /// <param name="timeout">The timeout message.</param>
    /// <param name="after">How long from now.</param>
    public void RequestTimeout<TTimeout>(TTimeout timeout, TimeSpan after)
        where TTimeout : class, ICommand, IContract<TTimeout>
    {
        ArgumentNullException.ThrowIfNull(timeout);
        ArgumentOutOfRangeException.ThrowIfLessThan(after, TimeSpan.Zero);
        ThrowIfEnded();
        DateTimeOffset due = _now + after;
        Guid id = MessageIds.NewVersion7(_now);
        _data.Timeouts.Add(new PendingTimeout(id, due));
        _outgoing.Add(new Outgoing(TTimeout.Contract, timeout, new SendOptions { DeliverAt = due, MessageId = id }));
        Note($"timeout {TTimeout.Contract} requested for {due.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>Ends the saga as <see cref="SagaStatus.Completed"/>: its recorded compensations are dropped, its timeouts cancelled.</summary>
    public void Complete()
    {
        ThrowIfEnded();
        Status = SagaStatus.Completed;
        _data.Compensations.Clear();
        Note("completed");
    }

    /// <summary>
    /// Ends the saga as <see cref="SagaStatus.Compensated"/>: every recorded compensation is sent, newest first, each a
    /// command of its own (durable as any send), when the step's state is saved; its timeouts are cancelled.
    /// </summary>
    /// <param name="reason">Why, for the history (a declined card, a timeout).</param>
    public void Compensate(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ThrowIfEnded();
        Status = SagaStatus.Compensated;
        _compensateReason = reason;
        Note($"compensating: {reason}");
    }

    /// <summary>Ends the saga as <see cref="SagaStatus.Failed"/> without compensating; its timeouts are cancelled.</summary>
    /// <param name="reason">Why, for the history.</param>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ThrowIfEnded();
        Status = SagaStatus.Failed;
        _data.Compensations.Clear();
        Note($"failed: {reason}");
    }

    /// <summary>Adds a line to the instance's history, as written by this step.</summary>
    /// <param name="note">What happened.</param>
    public void Note(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        _data.History.Add(new SagaHistoryEntry(_now, MessageContext.Contract.Name, MessageContext.MessageId, note));
    }

    private void AddCompensation<TCompensation>(TCompensation compensateWith)
        where TCompensation : class, ICommand, IContract<TCompensation>
    {
        ContractDescriptor<TCompensation> contract = TCompensation.Contract;
        var payload = new System.Buffers.ArrayBufferWriter<byte>(128);
        contract.Serialize(payload, compensateWith);
        _data.Compensations.Add(new StoredCompensation(contract.Name, contract.Version, payload.WrittenSpan.ToArray()));
    }

    /// <summary>Turns the recorded compensations into sends, newest first, once the step has compensated.</summary>
    internal void CompensateIfAsked(ContractCatalog catalog)
    {
        if (_compensateReason is null)
        {
            return;
        }

        List<StoredCompensation> compensations = _data.Compensations;
        for (int i = compensations.Count - 1; i >= 0; i--)
        {
            StoredCompensation compensation = compensations[i];
            if (!catalog.TryFind(compensation.Contract, compensation.Version, out ContractDescriptor? contract))
            {
                throw new InvalidOperationException(
                    $"Saga instance '{SagaId}' recorded compensation '{compensation.Contract}' version {compensation.Version}, which is not in this process's catalog; " +
                    "deploy the version that knows it, or the compensation cannot run.");
            }

            _outgoing.Add(new Outgoing(contract, contract.Deserialize(compensation.Payload), null));
            _data.History.Add(new SagaHistoryEntry(_now, MessageContext.Contract.Name, MessageContext.MessageId, $"compensation {contract} sent"));
        }

        compensations.Clear();
    }

    /// <summary>
    /// Sends what the step recorded, in order, once its state is saved (into the outbox, in a transaction), but not a
    /// timeout this very step asked for and then <paramref name="cancelled"/> by ending the saga.
    /// </summary>
    internal async ValueTask FlushAsync(Guid[]? cancelled, CancellationToken cancellationToken)
    {
        foreach (Outgoing outgoing in _outgoing)
        {
            if (cancelled is not null && outgoing.Options?.MessageId is { } id && Array.IndexOf(cancelled, id) >= 0)
            {
                continue;
            }

            await MessageContext.SendAsync(outgoing.Contract, outgoing.Message, outgoing.Options, cancellationToken).ConfigureAwait(false);
        }
    }

    private void ThrowIfEnded()
    {
        if (Status != SagaStatus.Running)
        {
            throw new InvalidOperationException($"Saga instance '{SagaId}' was ended ({Status}) by this step: nothing more can be sent or ended.");
        }
    }
}
