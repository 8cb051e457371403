namespace Contracts;

/// <summary>
/// What a failing message does to the later messages of its partition key, on an endpoint whose contract has a
/// <see cref="PartitionKeyAttribute"/> member. Immediate retries always run in place, before the next message of the key.
/// </summary>
public enum OrderingFailureMode
{
    /// <summary>
    /// A delayed retry holds its key: no later message of the key is handled before the retry has run and succeeded
    /// or been dead-lettered; they wait, in arrival order, while the endpoint's other keys go on. Order is never broken.
    /// </summary>
    Block,

    /// <summary>
    /// A message whose immediate retries are spent goes to dead letters at once instead of a delayed retry, and the
    /// key's next message goes on: its key never waits for a delay, and the skipped message can be replayed from dead letters.
    /// </summary>
    SkipAndDeadLetter,
}
