namespace Contracts;

/// <summary>The delivery guarantee of an endpoint.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// A message is removed only after its handler succeeded, so a crash or a failure delivers it again: the
    /// handler may run more than once for one message. The default.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// A message is removed before its handler runs and never retried: a crash or a failure loses it (a failure is
    /// still kept in dead letters). For messages whose loss is cheaper than their repetition.
    /// </summary>
    AtMostOnce,

    /// <summary>
    /// At-least-once with an inbox on the idempotency key (or, without key members, the message id): a key already
    /// handled on this endpoint is dropped. With a store that supports it (SQLite), the handler's own database work,
    /// the inbox key and the removal of the message commit in one transaction, so the effect happens exactly once;
    /// otherwise the key is recorded right after the handler succeeded.
    /// </summary>
    EffectivelyOnce,
}
