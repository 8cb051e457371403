using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Testing;

/// <summary>
/// A <see cref="MessageContext"/> for a handler's unit test: pass <see cref="TestMessageContext{TMessage}.Context"/> to the handler, then look at
/// what it sent, published and queried. Nothing is delivered; queries are answered by <see cref="TestMessageContext{TMessage}.RespondTo{TQuery, TResult}"/>.
/// </summary>
/// <example>
/// <code>
/// var test = TestMessageContext.For(new PlaceOrder(id, "sku-1", 2));
/// await new PlaceOrderHandler(store).HandleAsync(test.Message, test.Context, CancellationToken.None);
/// OrderPlaced placed = Assert.Single(test.Published&lt;OrderPlaced&gt;());
/// </code>
/// </example>
public static class TestMessageContext
{
    /// <summary>A context for handling <paramref name="message"/>, as if it had just been delivered.</summary>
    /// <typeparam name="TMessage">The handled contract.</typeparam>
    /// <param name="message">The message the handler is given.</param>
    /// <param name="options">Ids, headers, attempt, endpoint and services of the delivery; defaults when <see langword="null"/>.</param>
    /// <returns>The context and what it records.</returns>
    public static TestMessageContext<TMessage> For<TMessage>(TMessage message, TestMessageOptions? options = null)
        where TMessage : class, IContract<TMessage>
    {
        ArgumentNullException.ThrowIfNull(message);
        return new TestMessageContext<TMessage>(message, options ?? new TestMessageOptions());
    }
}
