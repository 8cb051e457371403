using System.Collections.Generic;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The endpoints of the suite's own contracts. A fixture whose transport is shared with other tests (a broker) uses
/// <see cref="All"/> to consume only these, and <see cref="TransportFixture.ResetAsync"/> receives the ones a test uses.
/// </summary>
public static class ComplianceEndpoints
{
    /// <summary>A command handled once (<c>Compliance.Ping</c>).</summary>
    public const string Ping = "Compliance.Ping";

    /// <summary>An event with two subscriptions (<c>Compliance.Pinged</c>); its endpoints are <see cref="PingedFirst"/> and <see cref="PingedSecond"/>.</summary>
    public const string Pinged = "Compliance.Pinged";

    /// <summary>The first subscription of <see cref="Pinged"/>.</summary>
    public const string PingedFirst = Pinged + "/Contracts.Testing.Compliance.PingedFirstHandler";

    /// <summary>The second subscription of <see cref="Pinged"/>.</summary>
    public const string PingedSecond = Pinged + "/Contracts.Testing.Compliance.PingedSecondHandler";

    /// <summary>A query answered at once.</summary>
    public const string Echo = "Compliance.Echo";

    /// <summary>A query answered after a delay.</summary>
    public const string SlowEcho = "Compliance.SlowEcho";

    /// <summary>A command sent with a delay.</summary>
    public const string Later = "Compliance.Later";

    /// <summary>A command whose handler fails.</summary>
    public const string Poison = "Compliance.Poison";

    /// <summary>A command that also receives unreadable bytes.</summary>
    public const string Parcel = "Compliance.Parcel";

    /// <summary>A command handled concurrently.</summary>
    public const string Work = "Compliance.Work";

    /// <summary>A command in progress while the bus stops.</summary>
    public const string Busy = "Compliance.Busy";

    /// <summary>A command left waiting by a stop, for the next bus.</summary>
    public const string Parked = "Compliance.Parked";

    /// <summary>The events of the topic tests, named as a hierarchy: <c>Compliance.Topics.Orders.Placed</c> and <c>.Shipped</c>, <c>.Orders.Returns.Opened</c>, <c>.Stock.Counted</c>.</summary>
    public static IReadOnlyList<string> TopicEvents { get; } =
        ["Compliance.Topics.Orders.Placed", "Compliance.Topics.Orders.Shipped", "Compliance.Topics.Orders.Returns.Opened", "Compliance.Topics.Stock.Counted"];

    /// <summary>The one-segment pattern of the topic tests: <c>Compliance.Topics.Orders.Placed</c> and <c>.Shipped</c>, not <c>.Returns.Opened</c>.</summary>
    public const string OrdersOneLevel = "Compliance.Topics.Orders.*";

    /// <summary>The many-segment pattern of the topic tests: every <c>Compliance.Topics.Orders</c> event.</summary>
    public const string OrdersAllLevels = "Compliance.Topics.Orders.>";

    /// <summary>The topic subscription of <see cref="OrdersOneLevel"/> (the handler <c>OrdersOneLevelAudit</c>).</summary>
    public const string OrdersOneLevelAudit = OrdersOneLevel + "/Contracts.Testing.Compliance.OrdersOneLevelAudit";

    /// <summary>The topic subscription of <see cref="OrdersAllLevels"/> (the handler <c>OrdersAllLevelsAudit</c>).</summary>
    public const string OrdersAllLevelsAudit = OrdersAllLevels + "/Contracts.Testing.Compliance.OrdersAllLevelsAudit";

    /// <summary>Every endpoint of the suite: the contract names, by which settings apply to every subscription of an event.</summary>
    public static IReadOnlyList<string> All { get; } = [Ping, Pinged, Echo, SlowEcho, Later, Poison, Parcel, Work, Busy, Parked];

    /// <summary>
    /// Every queue of the suite: <see cref="All"/> with each event subscription instead of its event, and the topic
    /// subscriptions (which the topic tests declare themselves, consumed).
    /// </summary>
    public static IReadOnlyList<string> Queues { get; } =
        [Ping, PingedFirst, PingedSecond, Echo, SlowEcho, Later, Poison, Parcel, Work, Busy, Parked, OrdersOneLevelAudit, OrdersAllLevelsAudit];
}
