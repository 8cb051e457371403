using System;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

/// <summary>
/// How the store compliance suite opens stores of one kind. A store's test project derives a fixture from this class
/// and a test class from <see cref="StoreCompliance{TFixture}"/>. Every test starts with <see cref="ResetAsync"/> and
/// then opens one or more stores on the same (fresh) database: two stores opened after one reset are two processes
/// sharing that database.
/// </summary>
public abstract class StoreFixture
{
    /// <summary>How long any single wait of a test may take. Default 15 seconds.</summary>
    public virtual TimeSpan Timeout => TimeSpan.FromSeconds(15);

    /// <summary>Starts a fresh, empty database for the next test.</summary>
    /// <returns>Completes when it is ready.</returns>
    public abstract Task ResetAsync();

    /// <summary>Opens (and initializes) a store on the current database, as one process would; the suite disposes it.</summary>
    /// <returns>The store.</returns>
    public abstract Task<IMessageStore> OpenAsync();

    /// <summary>Commits <paramref name="record"/> to the outbox of <paramref name="store"/>'s database, as an application's transaction would.</summary>
    /// <param name="store">The store.</param>
    /// <param name="record">The row, not yet routed.</param>
    /// <returns>Completes when the row is committed.</returns>
    public abstract Task CommitToOutboxAsync(IMessageStore store, MessageRecord record);
}
