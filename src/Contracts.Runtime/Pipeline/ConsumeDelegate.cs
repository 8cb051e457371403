using System.Threading.Tasks;

namespace Contracts.Pipeline;

/// <summary>Runs the rest of the consume pipeline for one delivery.</summary>
/// <param name="context">The delivery.</param>
/// <returns>Completes when the rest of the pipeline has; throws what the handler threw.</returns>
public delegate ValueTask ConsumeDelegate(ConsumeContext context);
