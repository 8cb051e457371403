using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Modules;

/// <summary>
/// One handler of one contract, as the generated module registered it. Invoking it creates the handler (with the
/// generated constructor call) and calls it directly: the generic arguments are fixed at compile time, so there
/// is no reflection and no dictionary of types on the way.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class HandlerDescriptor
{
    private const int Undecided = 0, WithoutScope = 1, InScope = 2;

    private readonly bool _disposable;
    private int _activation;

    private protected HandlerDescriptor(ContractDescriptor contract, Type handlerType)
    {
        Contract = contract;
        HandlerType = handlerType;
        HandlerName = handlerType.FullName ?? handlerType.Name;
        _disposable = typeof(IDisposable).IsAssignableFrom(handlerType) || typeof(IAsyncDisposable).IsAssignableFrom(handlerType);
    }

    /// <summary>The contract handled.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>The handler class.</summary>
    public Type HandlerType { get; }

    /// <summary>The handler's full name, as logs and endpoint names show it.</summary>
    public string HandlerName { get; }

    /// <summary>Runs the handler for <paramref name="message"/>.</summary>
    /// <param name="context">The delivery's context; its services are the delivery's scope.</param>
    /// <param name="message">The message, of the contract's type.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>Completes when the handler has.</returns>
    internal abstract ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken);

    /// <summary>Whether deliveries create the handler without a DI scope (decided by the first delivery).</summary>
    internal bool CreatedWithoutScope => Volatile.Read(ref _activation) == WithoutScope;

    /// <summary>
    /// Creates the handler for one delivery. The first delivery decides how: a handler the generated module
    /// registered, not disposable, whose constructor resolved only singletons is from then on created from the root
    /// services with no DI scope; any other is resolved from the delivery's scope, as DI would.
    /// </summary>
    private protected THandler Create<THandler>(MessageContext context, Func<IServiceProvider, THandler>? factory)
        where THandler : class
    {
        switch (Volatile.Read(ref _activation))
        {
            case WithoutScope:
                return factory!(context.Consume.Root);
            case InScope:
                return context.Services.GetRequiredService<THandler>();
        }

        ServiceLifetimes? lifetimes = context.Consume.Lifetimes;
        if (factory is null || lifetimes is null || _disposable || !lifetimes.IsGeneratedRegistration(typeof(THandler), factory))
        {
            Volatile.Write(ref _activation, InScope);
            return context.Services.GetRequiredService<THandler>();
        }

        var probe = new ActivationProbe(context.Services, lifetimes);
        THandler handler = factory(probe);
        Volatile.Write(ref _activation, probe.OnlySingletons ? WithoutScope : InScope);
        return handler;
    }

    /// <inheritdoc />
    public override string ToString() => $"{HandlerName} ({Contract})";
}

internal sealed class CommandHandlerDescriptor<TCommand, THandler>(Func<IServiceProvider, THandler>? factory) : HandlerDescriptor(TCommand.Contract, typeof(THandler))
    where TCommand : class, ICommand, IContract<TCommand>
    where THandler : class, ICommandHandler<TCommand>
{
    internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Create(context, factory).HandleAsync((TCommand)message, context, cancellationToken);
}

internal sealed class EventHandlerDescriptor<TEvent, THandler>(Func<IServiceProvider, THandler>? factory) : HandlerDescriptor(TEvent.Contract, typeof(THandler))
    where TEvent : class, IEvent, IContract<TEvent>
    where THandler : class, IEventHandler<TEvent>
{
    internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken) =>
        Create(context, factory).HandleAsync((TEvent)message, context, cancellationToken);
}

internal sealed class QueryHandlerDescriptor<TQuery, TResult, THandler>(Func<IServiceProvider, THandler>? factory) : HandlerDescriptor(TQuery.Contract, typeof(THandler))
    where TQuery : class, IQuery<TResult>, IContract<TQuery>
    where THandler : class, IQueryHandler<TQuery, TResult>
{
    internal override async ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken)
    {
        TResult result = await Create(context, factory)
            .HandleAsync((TQuery)message, context, cancellationToken)
            .ConfigureAwait(false);
        switch (context.Envelope.Reply)
        {
            case QueryReply<TResult> reply:
                reply.TrySetResult(result);
                break;
            case RemoteQueryReply remote:
                remote.SetResult(result);
                break;
        }
    }
}

/// <summary>
/// The reply side of a query: in memory, the caller waiting (completed by the handler, failed by the pipeline);
/// on a broker, the caller waiting for the reply message, or the handler's side collecting what to send back.
/// </summary>
internal abstract class QueryReply
{
    private readonly CancellationTokenSource _abandoned = new();

    /// <summary>Signalled when the caller stops waiting (timeout or cancellation): the handler's work is then pointless.</summary>
    public CancellationToken Abandoned => _abandoned.Token;

    public void Abandon() => _abandoned.Cancel();

    public abstract void TrySetException(Exception exception);

    /// <summary>Completes the caller from a reply that came through a broker.</summary>
    public abstract void Complete(ContractDescriptor contract, Transport.QueryResponse response);
}

internal sealed class QueryReply<TResult> : QueryReply
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => _completion.Task;

    public void TrySetResult(TResult result) => _completion.TrySetResult(result);

    public override void TrySetException(Exception exception) => _completion.TrySetException(exception);

    public override void Complete(ContractDescriptor contract, Transport.QueryResponse response)
    {
        if (response.IsFailure)
        {
            TrySetException(new QueryFailedException(contract, response.ErrorType!, response.ErrorMessage ?? ""));
            return;
        }

        try
        {
            // A null result reads back as null; the cast then gives default for a nullable result type.
            TrySetResult((TResult)contract.ResultFormatter!.Deserialize(response.Result)!);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidCastException)
        {
            TrySetException(new Pipeline.UnreadableMessageException($"The reply to query '{contract}' is not a valid {contract.ResultTypeName}: {ex.Message}", ex));
        }
    }
}

/// <summary>A query received from a broker: holds the handler's result or failure until the reply is sent.</summary>
internal sealed class RemoteQueryReply : QueryReply
{
    private object? _result;
    private Exception? _error;

    public void SetResult<TResult>(TResult result) => _result = result;

    public override void TrySetException(Exception exception) => _error ??= exception;

    public override void Complete(ContractDescriptor contract, Transport.QueryResponse response) =>
        throw new InvalidOperationException("A received query is completed by its handler, not by a reply.");

    /// <summary>The reply message: the result serialized with the query's result formatter, or the failure.</summary>
    public Transport.QueryResponse ToResponse(ContractDescriptor contract)
    {
        if (_error is { } error)
        {
            return Transport.QueryResponse.Failure(error.GetType().FullName ?? error.GetType().Name, error.Message);
        }

        try
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            contract.ResultFormatter!.Serialize(buffer, _result);
            return Transport.QueryResponse.Success(buffer.WrittenMemory);
        }
        catch (Exception ex) when (ex is MessagePack.MessagePackSerializationException or InvalidOperationException)
        {
            return Transport.QueryResponse.Failure(ex.GetType().FullName!, $"The result could not be serialized: {ex.Message}");
        }
    }
}
