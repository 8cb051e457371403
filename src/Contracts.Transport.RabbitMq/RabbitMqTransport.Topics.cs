using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// Topic routing of events. Published events go to a topic exchange (<c>{exchange}.topics</c>) bound to the direct
/// exchange with <c>#</c>, so every subscription of one event (bound on the direct exchange by the event's name) gets
/// it as before, and a topic subscription's queue is bound on the topic exchange by its pattern: RabbitMQ matches the
/// wildcards itself. A delayed event waits in a delay level of its own that dead-letters into the topic exchange.
/// </summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>The exchange events are published to.</summary>
    internal string TopicExchange => _options.Exchange + ".topics";

    /// <summary>The topic exchange and its binding to the direct exchange: declared by every process, publisher or consumer.</summary>
    private async Task DeclareTopicExchangeAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(TopicExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeBindAsync(_options.Exchange, TopicExchange, "#", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Binds a topic subscription's queue to the topic exchange by its pattern.</summary>
    private Task BindTopicAsync(IChannel channel, TransportEndpoint endpoint, CancellationToken cancellationToken) =>
        channel.QueueBindAsync(endpoint.Name, TopicExchange, BindingKey(endpoint.Topic!), cancellationToken: cancellationToken);

    /// <summary>
    /// A topic pattern as an AMQP binding key: <c>*</c> is one word in both; a final <c>&gt;</c> (one or more) is
    /// <c>*.#</c>, since AMQP's <c>#</c> also matches none.
    /// </summary>
    internal static string BindingKey(string topic) => topic == ">" ? "*.#" : topic.EndsWith(".>", System.StringComparison.Ordinal) ? topic[..^1] + "*.#" : topic;

    /// <summary>The delay level of delayed events: it dead-letters into the topic exchange, not the direct one.</summary>
    private string EventDelayName(int level) => $"{_options.Exchange}.delay.{level}.events";
}
