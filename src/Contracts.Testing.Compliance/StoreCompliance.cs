using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The store compliance suite: what every <see cref="IMessageStore"/> must do, role by role, as xunit tests. Derive a
/// test class from it with a <see cref="StoreFixture"/> in the store's test project. Claims are tested with real time
/// and short claims (a few hundred milliseconds), every wait bounded.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
/// <remarks>The tests are split by role over several files of this partial class.</remarks>
public abstract partial class StoreCompliance<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : StoreFixture
{
    private readonly List<IMessageStore> _opened = [];

    /// <summary>Creates the suite for <paramref name="fixture"/>'s store.</summary>
    /// <param name="fixture">The store's fixture, shared by the tests of the class.</param>
    protected StoreCompliance(TFixture fixture)
    {
        Fixture = fixture ?? throw new ArgumentNullException(nameof(fixture));
    }

    /// <summary>The store's fixture.</summary>
    protected TFixture Fixture { get; }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(Fixture.ResetAsync().WaitAsync(Fixture.Timeout));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (IMessageStore store in _opened)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    private async Task<IMessageStore> OpenAsync()
    {
        IMessageStore store = await Fixture.OpenAsync().WaitAsync(Fixture.Timeout, Cancel).ConfigureAwait(false);
        _opened.Add(store);
        return store;
    }

    private static StoreClaim ClaimFor(string owner, TimeSpan duration) => new(owner, DateTimeOffset.UtcNow + duration);

    private static StoreClaim Long(string owner) => ClaimFor(owner, TimeSpan.FromMinutes(5));

    private static readonly string[] s_endpoint = ["Compliance.Store"];

    /// <summary>A record with every field set, so a round trip that drops one fails.</summary>
    private static MessageRecord Record(int n, string endpoint = "Compliance.Store") => new()
    {
        Endpoint = endpoint,
        MessageId = Guid.NewGuid(),
        ContractName = "Compliance.Stored",
        ContractVersion = 2,
        CorrelationId = Guid.NewGuid(),
        CausationId = Guid.NewGuid(),
        IdempotencyKey = $"key-{n}",
        Attempt = 1,
        SentAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + n),
        DueAt = null,
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        TraceState = "vendor=value",
        Priority = (byte)(30 + n),
        Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["tenant"] = $"t{n}" },
        Payload = new byte[] { 0x91, (byte)n },
    };

    private static void AssertSame(MessageRecord expected, MessageRecord actual)
    {
        Assert.Equal(expected.Endpoint, actual.Endpoint);
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.ContractName, actual.ContractName);
        Assert.Equal(expected.ContractVersion, actual.ContractVersion);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.CausationId, actual.CausationId);
        Assert.Equal(expected.IdempotencyKey, actual.IdempotencyKey);
        Assert.Equal(expected.Attempt, actual.Attempt);
        Assert.Equal(expected.SentAt, actual.SentAt);
        Assert.Equal(expected.DueAt, actual.DueAt);
        Assert.Equal(expected.TraceParent, actual.TraceParent);
        Assert.Equal(expected.TraceState, actual.TraceState);
        Assert.Equal(expected.Priority, actual.Priority);
        Assert.Equal(expected.Headers, actual.Headers);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
    }
}
