using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts;
using Contracts.Storage;
using Contracts.Transport;
using MessagePack;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Shop.Contracts;
using Shop.Handlers;

namespace Shop;

/// <summary>A message that failed for good, as the sample prints and checks it, wherever it was kept.</summary>
/// <param name="Where">Where it is: <c>letter #9</c>, or the error queue's name.</param>
/// <param name="OrderId">The order of the failed <see cref="ChargeCard"/>.</param>
/// <param name="ContractName">The contract's wire name.</param>
/// <param name="Endpoint">The endpoint it failed on.</param>
/// <param name="Attempts">How many times its handler ran.</param>
/// <param name="Reason">Why it is a dead letter (<see cref="DeadLetterReason"/>).</param>
/// <param name="ExceptionType">The handler's exception type, full name.</param>
/// <param name="ExceptionMessage">Its message.</param>
internal sealed record FailedMessage(
    string Where, Guid OrderId, string ContractName, string Endpoint, int Attempts, string Reason, string ExceptionType, string ExceptionMessage);

/// <summary>Where the sample finds the declined payment: through <see cref="IDeadLetters"/>, which reads the store's dead letters in process and the endpoint's error queue on RabbitMQ.</summary>
internal interface IDeadLetterSource
{
    /// <summary>Where dead letters go, for the summary line.</summary>
    string Name { get; }

    /// <summary>What can be done with a dead letter there.</summary>
    string Hint { get; }

    /// <summary>Removes what earlier runs left; returns a line saying so, or <see langword="null"/> when nothing was left.</summary>
    ValueTask<string?> RemoveEarlierAsync(CancellationToken cancellationToken);

    /// <summary>The dead letter of <paramref name="orderId"/>'s <see cref="ChargeCard"/>, or <see langword="null"/> while there is none yet.</summary>
    ValueTask<FailedMessage?> FindAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>
/// The bus's dead letters, on either transport: in the SQLite store in process, in the endpoint's <c>.error</c> queue on
/// RabbitMQ. <paramref name="purged"/> says what the RabbitMQ connection emptied already.
/// </summary>
internal sealed class BusDeadLetters(IDeadLetters deadLetters, string name, string? purged = null) : IDeadLetterSource
{
    public string Name => name;

    public string Hint => "IDeadLetters can list, replay or purge it";

    public async ValueTask<string?> RemoveEarlierAsync(CancellationToken cancellationToken)
    {
        if (purged is not null)
        {
            return purged;
        }

        int earlier = await deadLetters.PurgeAsync(DateTimeOffset.UtcNow, cancellationToken);
        return earlier > 0 ? $"(removed {earlier} dead letter{(earlier == 1 ? "" : "s")} left by earlier runs)" : null;
    }

    public async ValueTask<FailedMessage?> FindAsync(Guid orderId, CancellationToken cancellationToken)
    {
        ContractDescriptor<ChargeCard> contract = ShopFlow.Contract<ChargeCard>();
        foreach (DeadLetter letter in await deadLetters.ListAsync(cancellationToken: cancellationToken))
        {
            // Inspecting a dead letter: its payload reads back with the contract's generated formatter.
            if (letter.Message.ContractName == contract.Name && contract.DeserializeTyped(letter.Message.Payload).OrderId == orderId)
            {
                return new FailedMessage(
                    $"letter #{letter.Id}", orderId, letter.Message.ContractName, letter.Message.Endpoint, letter.Attempts, letter.Reason.ToString(),
                    letter.ExceptionType, letter.ExceptionMessage);
            }
        }

        return null;
    }
}

/// <summary>The endpoint queues of the sample: what <c>--transport rabbitmq</c> empties before it starts.</summary>
internal static class ShopQueues
{
    /// <summary>
    /// One queue per command and query endpoint (named after the contract) and per event subscription (contract and
    /// handler), each with its <c>.error</c> queue: the names the transport declares.
    /// </summary>
    public static IReadOnlyList<string> All()
    {
        string placed = TransportEndpoint.AddressOf(ShopFlow.Contract<OrderPlaced>());
        string saga = typeof(OrderSaga).FullName!;
        string[] endpoints =
        [
            TransportEndpoint.AddressOf(ShopFlow.Contract<PlaceOrder>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<ChargeCard>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<RefundCard>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<ReserveStock>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<ReleaseStock>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<ShipOrder>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<CancelShipment>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<ShipmentOverdue>()),
            TransportEndpoint.AddressOf(ShopFlow.Contract<GetOrder>()),
            $"{placed}/{typeof(ConfirmationMailer).FullName}",
            $"{TransportEndpoint.AddressOf(ShopFlow.Contract<StockReserved>())}/{saga}",
            $"{TransportEndpoint.AddressOf(ShopFlow.Contract<CardCharged>())}/{saga}",
            $"{TransportEndpoint.AddressOf(ShopFlow.Contract<CardDeclined>())}/{saga}",
            $"{TransportEndpoint.AddressOf(ShopFlow.Contract<ShipmentConfirmed>())}/{saga}",
        ];
        var queues = new List<string>(endpoints.Length * 2);
        foreach (string endpoint in endpoints)
        {
            queues.Add(endpoint);
            queues.Add(ErrorQueue(endpoint));
        }

        return queues;
    }

    /// <summary>Where the RabbitMQ transport moves an endpoint's dead letters.</summary>
    public static string ErrorQueue(string endpoint) => endpoint + ".error";
}

/// <summary>
/// With <c>--transport rabbitmq</c>: the sample's own connection to the broker (RabbitMQ.Client, not the bus). It
/// checks that no other Shop runs and empties the sample's queues before the bus starts; the declined payment is then
/// read through <see cref="IDeadLetters"/>, from <c>ChargeCard</c>'s error queue.
/// </summary>
internal sealed class RabbitMqSampleQueues : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly string? _purged;

    private RabbitMqSampleQueues(Uri uri, IConnection connection, string? purged)
    {
        Uri = uri;
        _connection = connection;
        _purged = purged;
    }

    /// <summary>The broker.</summary>
    public Uri Uri { get; }

    /// <summary>Connects and empties <paramref name="queues"/>.</summary>
    /// <exception cref="BrokerUnreachableException">Nothing answers at <paramref name="uri"/>.</exception>
    /// <exception cref="InvalidOperationException">Another process consumes one of the queues.</exception>
    public static async Task<RabbitMqSampleQueues> ConnectAsync(Uri uri, IReadOnlyList<string> queues, CancellationToken cancellationToken = default)
    {
        var factory = new ConnectionFactory
        {
            Uri = uri,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = "contracts shop sample (inspection)",
        };
        IConnection connection = await factory.CreateConnectionAsync(cancellationToken);
        try
        {
            await LockAsync(connection, cancellationToken);

            // Durable queues outlive a run: messages an earlier run left (one that crashed, or was stopped mid-way)
            // would be delivered to this run's handlers and mixed into what it checks. A sample may simply purge its
            // own queues; an application would not. The transport's delay queues (contracts.delay.*) are shared with
            // other users of the broker and are left alone: a delayed retry waits there well under a second.
            uint purged = 0;
            foreach (string queue in queues)
            {
                purged += await PurgeAsync(connection, queue, cancellationToken);
            }

            string? note = purged > 0 ? $"(purged {purged} message{(purged == 1 ? "" : "s")} left in the sample's queues by earlier runs)" : null;
            return new RabbitMqSampleQueues(uri, connection, note);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One Shop per broker at a time: two would share the endpoint queues, each handling part of the other's orders.
    /// An exclusive queue belongs to one connection until it closes (a crash included), so declaring one is a lock.
    /// </summary>
    private static async Task LockAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using IChannel channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync("Shop.sample.running", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 405)
        {
            throw new InvalidOperationException("another Shop sample is running on this broker (it holds the exclusive queue 'Shop.sample.running'); wait for it to finish.", ex);
        }
    }

    private static async Task<uint> PurgeAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        // A channel per queue: a passive declare of a queue that does not exist (the first run) closes its channel.
        await using IChannel channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        QueueDeclareOk existing;
        try
        {
            existing = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // declared by the transport when the bus starts
        }

        if (existing.ConsumerCount > 0)
        {
            throw new InvalidOperationException(
                $"queue '{queue}' on the broker already has {existing.ConsumerCount} consumer{(existing.ConsumerCount == 1 ? "" : "s")}: another Shop " +
                "(or another process with its handlers) is running. Stop it first: two processes would share the orders between them.");
        }

        return await channel.QueuePurgeAsync(queue, cancellationToken);
    }

    /// <summary>What <see cref="ConnectAsync"/> emptied, or <see langword="null"/> when nothing was left.</summary>
    public string? Purged => _purged;

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
