namespace Contracts.Routing;

/// <summary>One <see cref="TransportOptions.Subscribe{THandler}"/>: a handler subscribed to every event a pattern matches.</summary>
/// <param name="Topic">The valid pattern.</param>
/// <param name="Handler">The handler's full name.</param>
internal sealed record TopicSubscription(string Topic, string Handler)
{
    /// <summary>The subscription's endpoint name.</summary>
    public string Endpoint => $"{Topic}/{Handler}";
}
