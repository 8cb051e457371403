using System.Threading.Tasks;

namespace Contracts.Pipeline;

/// <summary>
/// A step of the consume pipeline, registered in DI as <see cref="IConsumeMiddleware"/> and run in registration
/// order inside the bus's own steps and around the handler: telemetry, failure handling (retries, dead letters), the
/// inbox and the consume transaction run outside every middleware, so each attempt of a retry runs the middleware
/// again (with a fresh scope), a duplicate the inbox drops never reaches it, and what a middleware throws is retried
/// and dead-lettered like the handler's own failure.
/// </summary>
public interface IConsumeMiddleware
{
    /// <summary>Runs this step and, usually, <paramref name="next"/>.</summary>
    /// <param name="context">The delivery.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>Completes when the step has.</returns>
    ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next);
}
