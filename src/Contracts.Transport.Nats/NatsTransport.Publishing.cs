using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>Publishing: sends, and the acknowledged publish with retry that dead letters and replays use too.</summary>
internal sealed partial class NatsTransport
{
    /// <summary>JetStream's error code for a publish a full stream (discard new) refuses.</summary>
    private const int StreamFull = 10077;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> s_raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        string subject;
        string? stream;
        NatsHeaders headers = NatsHeaderAdapter.Write(envelope);
        ContractDescriptor contract = envelope.Contract;
        if (contract.HasPartitionKey && contract.Kind != MessageKind.Event && (endpoint is null || IsPartitioned(endpoint)))
        {
            // Keyed: to the partition its key picks, with the key for the consumer's lanes and for a dead letter's replay.
            string address = endpoint?.Name ?? TransportEndpoint.AddressOf(contract);
            ulong key = contract.PartitionKeyOf(envelope);
            headers[NatsPartitionDelivery.PartitionHeader] = key.ToString(CultureInfo.InvariantCulture);
            subject = PartitionSubjectOf(address, key);
            stream = Names.EndpointStream(address);
        }
        else if (endpoint is not null)
        {
            // A retry or replay for one endpoint (for an event, one subscription): to that endpoint's own stream.
            subject = Names.EndpointSubject(endpoint.Name);
            stream = Names.EndpointStream(endpoint.Name);
        }
        else if (contract.Kind == MessageKind.Event)
        {
            subject = Names.EventSubject(TransportEndpoint.AddressOf(contract));
            stream = null;
        }
        else
        {
            string address = TransportEndpoint.AddressOf(contract);
            subject = Names.EndpointSubject(address);
            stream = Names.EndpointStream(address);
        }

        // The id and attempt: a retry of this publish is stored once, while a later attempt (a delayed retry) is new.
        string messageId = string.Create(CultureInfo.InvariantCulture, $"{envelope.MessageId:N}:{envelope.Attempt}");
        return AwaitPublishAsync(subject, headers, envelope.Payload, messageId, stream, contract, cancellationToken);
    }

    private async ValueTask AwaitPublishAsync(
        string subject, NatsHeaders headers, ReadOnlyMemory<byte> body, string messageId, string? stream, ContractDescriptor contract, CancellationToken cancellationToken) =>
        await PublishAsync(subject, headers, body, messageId, stream, contract, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Publishes and waits for the stream's acknowledgement, within <see cref="NatsTransportOptions.PublishTimeout"/> in
    /// all. While the server does not answer (restarting, the connection lost) the publish is tried again with the same
    /// message id, which the stream stores once. A subject no stream captures fails at once: with
    /// <paramref name="contract"/> as <see cref="NoHandlerException"/>.
    /// </summary>
    /// <returns>The message's sequence in its stream.</returns>
    internal async ValueTask<ulong> PublishAsync(
        string subject, NatsHeaders headers, ReadOnlyMemory<byte> body, string messageId, string? stream, ContractDescriptor? contract, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan timeout = _options.PublishTimeout;
        var opts = new NatsJSPubOpts { MsgId = messageId, RetryAttempts = 1 };
        int attempt = 0;
        while (true)
        {
            try
            {
                PubAckResponse ack = await JetStream.PublishAsync(subject, body, s_raw, opts, headers, cancellationToken).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    throw error.ErrCode != StreamFull && error.Code >= 500 ? new Unavailable(error) : Refused(subject, error, null);
                }

                if (attempt > 0)
                {
                    Log.PublishRecovered(_logger, messageId, attempt);
                }

                return ack.Seq;
            }
            catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamFull || ex.Error.Code < 500)
            {
                throw Refused(subject, ex.Error, ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                (IsConnectionFailure(ex) || ex is Unavailable or NatsJSApiException or OperationCanceledException))
            {
                if (stream is not null && Connection.ConnectionState == NatsConnectionState.Open &&
                    await StreamSubjectsAsync(stream, cancellationToken).ConfigureAwait(false) is { } captured && captured.Count > 0 && !captured.Contains(subject))
                {
                    throw new InvalidOperationException(
                        $"Stream '{stream}' on NATS does not capture subject '{subject}' (it captures {string.Join(", ", captured)}): the message was not sent. " +
                        UncapturedReason(subject, captured), ex);
                }

                if (stream is not null && Connection.ConnectionState == NatsConnectionState.Open && await StreamMissingAsync(stream, cancellationToken).ConfigureAwait(false))
                {
                    throw contract is not null && contract.Kind != MessageKind.Event
                        ? new NoHandlerException(contract,
                            $"No stream on NATS captures {contract.Kind.ToString().ToLowerInvariant()} '{contract}' (subject '{subject}', stream '{stream}'): " +
                            "no process with its handler has started yet, or its stream was deleted. The message was not sent.")
                        : new InvalidOperationException($"No stream on NATS captures subject '{subject}' (stream '{stream}' does not exist): the message was not sent.", ex);
                }

                if (Stopwatch.GetElapsedTime(started) >= timeout)
                {
                    throw new TimeoutException(
                        $"NATS did not acknowledge message {messageId} for '{subject}' within {timeout} (PublishTimeout): " +
                        $"{(Connection.ConnectionState == NatsConnectionState.Open ? "no acknowledgement came" : "the connection is down")}. " +
                        $"It may or may not have been stored. {ex.Message}", ex);
                }

                if (attempt++ == 0)
                {
                    Log.PublishRetrying(_logger, ex, messageId, subject);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The server answered, but JetStream could not take the message now (a 5xx: recovering after a restart): tried again.</summary>
    private sealed class Unavailable(ApiError error) : Exception($"JetStream is unavailable: {error.Description} ({error.Code}, JetStream error {error.ErrCode}).");

    private static Exception Refused(string subject, ApiError error, Exception? inner) => error.ErrCode == StreamFull
        ? new EndpointFullException(subject, $"NATS refused the message for '{subject}': its stream is full and rejects new messages ({error.Description}).", inner)
        : new InvalidOperationException($"NATS refused the message for '{subject}': {error.Description} (JetStream error {error.ErrCode}).", inner);

    /// <summary>
    /// The subjects <paramref name="stream"/> captures: empty when it does not exist or is not known now (the publish is
    /// tried again, or fails as missing); a publish nobody answered may have gone to a subject it does not capture.
    /// </summary>
    private async ValueTask<ICollection<string>> StreamSubjectsAsync(string stream, CancellationToken cancellationToken)
    {
        try
        {
            INatsJSStream info = await JetStream.GetStreamAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return info.Info.Config.Subjects ?? [];
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNotFound)
        {
            return [];
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return [];
        }
    }

    /// <summary>Whether <paramref name="stream"/> does not exist (a publish nobody answered may have had no stream to go to).</summary>
    private async ValueTask<bool> StreamMissingAsync(string stream, CancellationToken cancellationToken)
    {
        try
        {
            await JetStream.GetStreamAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNotFound)
        {
            return true;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return false; // not known: the publish is tried again
        }
    }
}
