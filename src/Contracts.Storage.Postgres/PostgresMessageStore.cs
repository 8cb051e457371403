using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// The PostgreSQL <see cref="IMessageStore"/>: queue, outbox, inbox and dead-letter tables in one schema, shared by every
/// process that uses the same database and schema. Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so buses claiming
/// at once never get one row and never wait for each other; a claim runs out when its bus stops renewing it (it died),
/// and another bus takes the rows over. Each call is one round trip on a pooled connection; calls of several
/// statements are sent as one batch, which PostgreSQL runs as one implicit transaction.
/// </summary>
/// <remarks>
/// Connections come from two pools of the one connection string. The store's own statements use one whose
/// connections are not reset when they go back to it (<c>No Reset On Close</c>): Npgsql's reset of a connection that
/// holds prepared statements (<c>RESET ALL; CLOSE ALL; UNLISTEN *; ...</c>, sent before its next command) cost about
/// 85 us a call here, and those statements never change a session's settings. Every connection user code can reach
/// (<see cref="DataSource"/>, a delivery's or a projection step's transaction) and the listener's come from the
/// other, which resets as Npgsql does by default, so one user's session settings never reach the next.
/// </remarks>
/// <remarks>The roles are implemented in the partial files beside this one (queue, outbox and inbox, dead letters).</remarks>
public sealed partial class PostgresMessageStore : IMessageStore, IQueueStore, IInboxStore, IOutboxStore, IDeadLetterStore
{
    private readonly PostgresStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>The pool of the store's own statements: the same connection string, no reset on close (see the remarks on the type).</summary>
    private readonly NpgsqlDataSource _own;
    private PostgresSagaStore? _sagas;
    private PostgresScheduleStore? _schedules;
    private PostgresSnapshotStore? _snapshots;
    private readonly PostgresSql _sql;
    private readonly string _where;
    private readonly SemaphoreSlim _initialize = new(1, 1);
    private readonly PostgresListener _listener;
    private readonly PostgresGroupCommit _groupCommit;
    private readonly PostgresConsumeGroups _consumeGroups;
    private bool _initialized;
    private int _disposed;

    /// <summary>Creates the store; <see cref="InitializeAsync"/> connects and creates or upgrades the schema.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="time">The clock for claims, inbox and relay times.</param>
    /// <exception cref="ArgumentException">The connection string or the schema name is not valid.</exception>
    public PostgresMessageStore(PostgresStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ConnectionString);
        PostgresSchema.Validate(options.Schema);
        _options = options;
        _time = time ?? TimeProvider.System;
        NpgsqlDataSourceBuilder builder;
        try
        {
            builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"The PostgreSQL connection string is not valid: {ex.Message} Example: Host=127.0.0.1;Username=postgres;Database=shop", nameof(options), ex);
        }

        NpgsqlConnectionStringBuilder settings = builder.ConnectionStringBuilder;
        settings.CommandTimeout = Math.Max(1, (int)options.CommandTimeout.TotalSeconds);
        if (settings.MaxAutoPrepare == 0)
        {
            // The store runs the same few statements all the time: prepared once per connection, parsed and planned once.
            settings.MaxAutoPrepare = 32;
        }

        settings.ApplicationName ??= "Contracts";
        _where = $"Host={settings.Host};Port={settings.Port};Database={settings.Database ?? settings.Username};Username={settings.Username}";
        _dataSource = builder.Build();
        var own = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        own.ConnectionStringBuilder.NoResetOnClose = true;
        _own = own.Build();
        _sql = PostgresSql.For(options.Schema);
        _listener = new PostgresListener(_dataSource, _sql);
        _groupCommit = new PostgresGroupCommit(_own, _sql);
        _consumeGroups = new PostgresConsumeGroups(this);
        Schema = options.Schema;
    }

    /// <summary>The schema that holds the store's tables.</summary>
    public string Schema { get; }

    /// <summary>The data source the store's connections come from: open connections on it for a handler's own work or an outbox transaction.</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <inheritdoc />
    public StoreCapabilities Capabilities => StoreCapabilities.Durable | StoreCapabilities.ConsumeTransactions;

    /// <inheritdoc />
    public IQueueStore Queue => this;

    /// <inheritdoc />
    public IInboxStore Inbox => this;

    /// <inheritdoc />
    public IOutboxStore Outbox => this;

    /// <inheritdoc />
    public IDeadLetterStore DeadLetters => this;

    /// <inheritdoc />
    public ISagaStore Sagas => _sagas ??= new PostgresSagaStore(this);

    /// <inheritdoc />
    public IScheduleStore Schedules => _schedules ??= new PostgresScheduleStore(this);

    /// <inheritdoc />
    public ISnapshotStore Snapshots => _snapshots ??= new PostgresSnapshotStore(this);

    /// <summary>The version of the store's schema this library creates, reads and writes.</summary>
    public static int SchemaVersion => PostgresSchema.Latest;

    internal PostgresSql Sql => _sql;

    internal TimeProvider Time => _time;

    /// <summary>The lanes that group deliveries' consume transactions (for tests).</summary>
    internal PostgresConsumeGroups ConsumeGroups => _consumeGroups;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The server cannot be reached or refused the login, or the schema is newer than this library.</exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialize.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_initialized)
            {
                return;
            }

            await using (NpgsqlConnection connection = await OpenOwnAsync(cancellationToken).ConfigureAwait(false))
            {
                await PostgresSchema.MigrateAsync(connection, Schema, _options.CreateSchema, cancellationToken).ConfigureAwait(false);
            }

            _groupCommit.Start();
            _initialized = true;
            if (_options.ListenForWork)
            {
                _listener.Start();
            }
        }
        finally
        {
            _initialize.Release();
        }
    }

    /// <summary>
    /// Opens a pooled connection that user code may reach (a delivery's or a projection step's transaction), reset
    /// when it goes back to the pool; see <see cref="OpenOwnAsync"/> for the store's own statements.
    /// </summary>
    internal ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_dataSource, cancellationToken);

    /// <summary>Opens a pooled connection for the store's own statements only, not reset when it goes back to the pool.</summary>
    internal ValueTask<NpgsqlConnection> OpenOwnAsync(CancellationToken cancellationToken) => OpenAsync(_own, cancellationToken);

    /// <summary>Opens a connection of <paramref name="source"/>, turning a failure to connect into an error that says where and what to do.</summary>
    private async ValueTask<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException(
                $"PostgreSQL at {_where} refused the connection: {ex.SqlState} {ex.MessageText}. Check the database name, user and password given to UsePostgres.", ex);
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException(
                $"Could not connect to PostgreSQL at {_where}: {ex.Message}. Start the server (scripts/postgres.sh start in the Contracts repository) or fix the connection string given to UsePostgres.", ex);
        }
    }

    /// <summary>
    /// Opens a pooled connection and reads one row of the dead-letter table: the server answers, the credentials work
    /// and the store's schema is there. Works before the store is open, so a health check can say why a start failed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the question (a health check's timeout).</param>
    /// <returns>Completes when PostgreSQL answered.</returns>
    /// <exception cref="InvalidOperationException">The server is unreachable, refused the connection or the query; the message says where.</exception>
    public async ValueTask PingAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await OpenOwnAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.Ping, connection);
        try
        {
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"PostgreSQL at {_where} answered the store's query (schema '{Schema}') with {ex.SqlState} {ex.MessageText}.", ex);
        }
    }

    /// <summary>A batch on a connection of its own: one round trip, one implicit transaction; disposing it returns the connection.</summary>
    private NpgsqlBatch Batch()
    {
        ThrowIfNotOpen();
        return _own.CreateBatch();
    }

    /// <summary>A single statement on a connection of its own.</summary>
    private NpgsqlCommand Command(string sql)
    {
        ThrowIfNotOpen();
        return _own.CreateCommand(sql);
    }

    private void ThrowIfNotOpen()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_initialized)
        {
            throw new InvalidOperationException($"The PostgreSQL store (schema '{Schema}' at {_where}) is not open: the bus opens it when it starts.");
        }
    }

    /// <inheritdoc />
    public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) =>
        PostgresConsumeTransaction.BeginAsync(this, _consumeGroups, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Wakes come from LISTEN on the store's channel (<see cref="PostgresStoreOptions.ListenForWork"/>).</remarks>
    public IDisposable OnWork(StoreWork work, Action wake) => _listener.Register(work, wake);

    /// <summary>
    /// Wakes every bus that listens on this store's schema (<see cref="PostgresStoreOptions.ListenForWork"/>), so it
    /// claims free rows now instead of at its next poll: for a process that queued rows without claiming them, such as
    /// a dead letter replayed by the <c>contracts</c> tool. Buses that do not listen take the rows at their next poll.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Completes once the notification is sent.</returns>
    public async ValueTask NotifyWorkAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(_sql.NotifyQueue);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the store is listening for notifications of new work (for tests and health checks).</summary>
    public bool Listening => _listener.Listening;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
        await _groupCommit.DisposeAsync().ConfigureAwait(false);
        await _consumeGroups.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _own.DisposeAsync().ConfigureAwait(false);
        _initialize.Dispose();
    }
}
