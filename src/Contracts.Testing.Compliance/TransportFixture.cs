using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Testing.Compliance;

/// <summary>
/// How the compliance suite runs buses on one transport (or one transport with one store). A transport's test
/// project derives a fixture from this class and a test class from <see cref="TransportCompliance{TFixture}"/>.
/// The capability flags decide what the suite asserts: a capability the transport lacks is never skipped, the
/// suite asserts the behaviour documented for that case instead.
/// </summary>
public abstract class TransportFixture
{
    /// <summary>
    /// Whether a message sent while no consumer runs (or left unfinished by a stop) is handled by the next bus on
    /// the same transport. False: a restarted bus still handles new messages, and that is all the suite asserts.
    /// </summary>
    public virtual bool SurvivesRestart => false;

    /// <summary>
    /// Whether two buses consuming one endpoint share its messages (competing consumers across processes). False:
    /// each bus handles only what it sent itself, as the in-memory transport does.
    /// </summary>
    public virtual bool CompetingProcesses => false;

    /// <summary>The longest the suite waits for anything to happen. Default 15 seconds: only a broken transport waits this long.</summary>
    public virtual TimeSpan Timeout => TimeSpan.FromSeconds(15);

    /// <summary>
    /// Chooses this transport on <paramref name="options"/>. Call <paramref name="endpoints"/> with the transport's
    /// <see cref="TransportOptions"/> after the fixture's own settings, so the suite's endpoint settings win. The
    /// suite's endpoints are <see cref="ComplianceEndpoints.All"/>; a transport shared with other tests consumes only those.
    /// </summary>
    /// <param name="options">The bus options of one bus.</param>
    /// <param name="endpoints">The suite's endpoint settings for this bus.</param>
    public abstract void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints);

    /// <summary>Adds services a bus on this transport needs besides the suite's own; nothing by default.</summary>
    /// <param name="services">The services of one bus.</param>
    public virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>
    /// Called at the start of every test with the endpoints it uses: removes whatever an earlier test (or an earlier
    /// run) left on them, including their dead letters. Nothing to do by default (an in-memory transport keeps nothing).
    /// </summary>
    /// <param name="endpointNames">The endpoint (queue) names, event subscriptions included.</param>
    /// <returns>Completes when the endpoints are empty.</returns>
    public virtual Task ResetAsync(IReadOnlyList<string> endpointNames) => Task.CompletedTask;

    /// <summary>
    /// Puts <paramref name="payload"/> onto <paramref name="endpoint"/> as a message of contract
    /// <paramref name="contractName"/> version <paramref name="contractVersion"/>, exactly as the transport would
    /// receive it from another process, so the running bus of <paramref name="services"/> must find it unreadable.
    /// </summary>
    /// <param name="services">The services of the running bus that consumes <paramref name="endpoint"/>.</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="contractName">The contract's wire name.</param>
    /// <param name="contractVersion">The contract's version.</param>
    /// <param name="payload">Bytes the contract's formatter cannot read.</param>
    /// <returns>Completes when the transport has the message.</returns>
    public abstract Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload);

    /// <summary>
    /// Puts a readable message onto <paramref name="endpoint"/> whose deliver-by has passed already, as another process
    /// (or one with a clock ahead) would have sent it, so the running bus of <paramref name="services"/> must find it
    /// expired on arrival. By default it goes through the bus's <see cref="ITransport"/>; a transport that would
    /// itself drop such a message on the way (a broker-side time-to-live) puts it onto the endpoint as it arrives.
    /// </summary>
    /// <param name="services">The services of the running bus that consumes <paramref name="endpoint"/>.</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="contractName">The contract's wire name.</param>
    /// <param name="contractVersion">The contract's version.</param>
    /// <param name="payload">A valid payload of the contract.</param>
    /// <param name="deliverBy">The deliver-by, in the past.</param>
    /// <returns>Completes when the transport has the message.</returns>
    public virtual Task SendExpiredAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload, DateTimeOffset deliverBy) =>
        SendThroughTransportAsync(services, contractName, contractVersion, payload, deliverBy);

    /// <summary>
    /// For a transport that carries envelopes in process: hands the running bus's <see cref="ITransport"/> an
    /// envelope whose payload is <paramref name="payload"/>, routed by its contract, as a sender in another part
    /// of the process would.
    /// </summary>
    /// <param name="services">The services of the running bus.</param>
    /// <param name="contractName">The contract's wire name.</param>
    /// <param name="contractVersion">The contract's version.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>Completes when the transport has the message.</returns>
    protected static Task SendThroughTransportAsync(IServiceProvider services, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        SendThroughTransportAsync(services, contractName, contractVersion, payload, deliverBy: null);

    private static async Task SendThroughTransportAsync(IServiceProvider services, string contractName, int contractVersion, ReadOnlyMemory<byte> payload, DateTimeOffset? deliverBy)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.GetRequiredService<ContractCatalog>().TryFind(contractName, contractVersion, out ContractDescriptor? contract))
        {
            throw new InvalidOperationException($"No contract '{contractName}' version {contractVersion} in this bus's catalog.");
        }

        var envelope = new Envelope(contract, MessageIds.NewVersion7(DateTimeOffset.UtcNow)) { SentAt = DateTimeOffset.UtcNow, DeliverBy = deliverBy, Payload = payload.ToArray() };
        await services.GetRequiredService<ITransport>().SendAsync(envelope, endpoint: null, CancellationToken.None).ConfigureAwait(false);
    }
}
