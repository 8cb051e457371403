using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>
/// Contract evolution on the wire (docs/evolution.md): each change the lock file's rules allow, written by one version
/// and read by the other in the direction the mode allows it, and the upcast of an older version to the newer type for
/// handlers and for a store's replay.
/// </summary>
public sealed partial class EvolutionTests
{
    // Safe both ways (Full): an optional member removed (its index left free), a member renamed, a list made an immutable
    // array (one wire type), a new member with a default.
    [Event(Name = "evolution.shipment")]
    public partial record ShipmentV1([property: IdempotencyKey] Guid Id, string? Note, string? Label, IReadOnlyList<string> Tags);

    [Event(Name = "evolution.shipment", Version = 2)]
    [UpcastFrom(typeof(ShipmentV1))]
    public partial record Shipment(
        [property: IdempotencyKey] Guid Id,
        [property: MemberIndex(2)] string? Title,
        [property: MemberIndex(3)] ImmutableArray<string> Tags,
        [property: MemberIndex(4)] string Carrier = "post")
    {
        // The generated Upcast copies Id and gives Title, Tags and Carrier their defaults; this finishes the job.
        static partial void OnUpcast(ShipmentV1 older, ref Shipment upcast) =>
            upcast = upcast with { Title = older.Label, Tags = [.. older.Tags] };
    }

    // Versions chain: v3 reads v2, which reads v1.
    [Event(Name = "evolution.shipment", Version = 3)]
    [UpcastFrom(typeof(Shipment))]
    public partial record ShipmentV3(
        [property: IdempotencyKey] Guid Id,
        [property: MemberIndex(2)] string? Title,
        [property: MemberIndex(3)] ImmutableArray<string> Tags,
        [property: MemberIndex(4)] string Carrier,
        [property: MemberIndex(5)] int Parcels = 1);

    // Safe for new readers only (Backward): an integer widened, a member made nullable, a required member removed.
    [Command(Name = "evolution.weigh")]
    public partial record WeighV1([property: IdempotencyKey] Guid Id, int Grams, string Recipient, string Legacy);

    [Command(Name = "evolution.weigh", Version = 2)]
    public partial record Weigh([property: IdempotencyKey] Guid Id, long Grams, string? Recipient);

    // Safe for old readers only (Forward): an integer narrowed, a required member added.
    [Command(Name = "evolution.measure")]
    public partial record MeasureV1([property: IdempotencyKey] Guid Id, long Millimetres);

    [Command(Name = "evolution.measure", Version = 2)]
    public partial record Measure([property: IdempotencyKey] Guid Id, int Millimetres, string Unit);

    public sealed class Received
    {
        public readonly TaskCompletionSource<Shipment> Shipment = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<string> Versions = [];
        public readonly TaskCompletionSource<(ShipmentV3 Message, string Version)> Newest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class ShipmentV3Handler(Received received) : IEventHandler<ShipmentV3>
    {
        public ValueTask HandleAsync(ShipmentV3 @event, MessageContext context, CancellationToken cancellationToken)
        {
            received.Newest.TrySetResult((@event, context.Contract.Name + " v" + context.Contract.Version));
            return ValueTask.CompletedTask;
        }
    }

    public sealed class ShipmentHandler(Received received) : IEventHandler<Shipment>
    {
        public ValueTask HandleAsync(Shipment @event, MessageContext context, CancellationToken cancellationToken)
        {
            lock (received.Versions)
            {
                received.Versions.Add(context.Contract.Name + " v" + context.Contract.Version);
            }

            received.Shipment.TrySetResult(@event);
            return ValueTask.CompletedTask;
        }
    }

    private static ReadOnlyMemory<byte> Write<T>(T message)
        where T : class, IContract<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        T.Contract.Serialize(buffer, message);
        return buffer.WrittenMemory;
    }

    private static ContractDescriptor<T> Of<T>()
        where T : class, IContract<T> => T.Contract;

    private static T Read<T>(ReadOnlyMemory<byte> payload)
        where T : class, IContract<T> => T.Contract.DeserializeTyped(payload);

    [Fact]
    public void Full_changes_read_old_by_new_and_new_by_old()
    {
        var id = Guid.NewGuid();
        Shipment v2 = Read<Shipment>(Write(new ShipmentV1(id, "fragile", "to Ada", ["a", "b"])));
        Assert.Equal(id, v2.Id);
        Assert.Equal("to Ada", v2.Title);         // renamed: the index travels, not the name
        Assert.Equal(["a", "b"], v2.Tags);         // a list read as an immutable array
        Assert.Equal("post", v2.Carrier);          // new: its default

        ShipmentV1 v1 = Read<ShipmentV1>(Write(new Shipment(id, "to Bob", ["c"], "courier")));
        Assert.Equal(id, v1.Id);
        Assert.Null(v1.Note);                      // removed (optional): nothing at its index
        Assert.Equal("to Bob", v1.Label);
        Assert.Equal(["c"], v1.Tags);               // Carrier, unknown to v1, skipped
    }

    [Fact]
    public void Backward_changes_read_old_by_new()
    {
        var id = Guid.NewGuid();
        Weigh v2 = Read<Weigh>(Write(new WeighV1(id, int.MaxValue, "Ada", "dropped")));
        Assert.Equal(new Weigh(id, int.MaxValue, "Ada"), v2);

        // The other way is what Backward does not promise: a widened value an old reader cannot hold.
        Assert.Throws<MessagePackSerializationException>(() => Read<WeighV1>(Write(new Weigh(id, long.MaxValue, "Ada"))));
    }

    [Fact]
    public void Forward_changes_read_new_by_old()
    {
        var id = Guid.NewGuid();
        MeasureV1 v1 = Read<MeasureV1>(Write(new Measure(id, 1200, "mm")));
        Assert.Equal(new MeasureV1(id, 1200), v1);

        // The other way is what Forward does not promise: the required Unit is missing from an old message.
        Assert.Null(Read<Measure>(Write(new MeasureV1(id, 5))).Unit);
    }

    [Fact]
    public void The_generated_upcast_copies_members_by_name_and_the_user_hook_finishes_it()
    {
        var id = Guid.NewGuid();
        Shipment upcast = Shipment.Upcast(new ShipmentV1(id, "fragile", "to Ada", ["a"]));

        Assert.Equal(id, upcast.Id);            // same name and type: copied
        Assert.Equal("to Ada", upcast.Title);   // no Title in v1: set by OnUpcast from Label
        Assert.Equal(["a"], upcast.Tags);       // a list is not an ImmutableArray: set by OnUpcast
        Assert.Equal("post", upcast.Carrier);   // new: its default
        Assert.Single(Of<Shipment>().Upcasts);
        Assert.Same(Of<ShipmentV1>(), Of<Shipment>().Upcasts[0].Older);
    }

    [Fact]
    public void A_replay_reads_every_recorded_version_as_the_newest_and_refuses_what_it_does_not_know()
    {
        var id = Guid.NewGuid();
        ContractDescriptor<Shipment> contract = Of<Shipment>();

        Assert.True(contract.TryRead("evolution.shipment", 1, Write(new ShipmentV1(id, null, "old", ["x"])), out Shipment? fromV1));
        Assert.Equal("old", fromV1.Title);
        Assert.Equal(["x"], fromV1.Tags);
        Assert.True(contract.TryRead("evolution.shipment", 2, Write(new Shipment(id, "new", ["y"])), out Shipment? fromV2));
        Assert.Equal("new", fromV2.Title);
        Assert.False(contract.TryRead("evolution.shipment", 3, Write(new Shipment(id, "new", ["y"])), out _));
        Assert.False(contract.TryRead("evolution.weigh", 1, Write(new WeighV1(id, 1, "a", "b")), out _));
        Assert.Throws<MessagePackSerializationException>(() => contract.TryRead("evolution.shipment", 1, new byte[] { 0xc1 }, out _));
    }

    [Fact]
    public async Task A_handler_of_the_new_version_receives_messages_of_the_old_one_upcast()
    {
        var received = new Received();
        await using TestBus bus = await TestBus.StartAsync(s => s.AddSingleton(received));
        var id = Guid.NewGuid();

        await bus.Bus.PublishAsync(new ShipmentV1(id, "fragile", "to Ada", ["a"]));
        Shipment shipment = await Wait.For(received.Shipment.Task);

        Assert.Equal(id, shipment.Id);
        Assert.Equal("to Ada", shipment.Title);
        Assert.Equal("post", shipment.Carrier);
        lock (received.Versions)
        {
            Assert.Equal(["evolution.shipment v1"], received.Versions);
        }
    }

    [Fact]
    public async Task Upcasts_chain_from_v1_through_v2_to_v3_for_a_replay_and_for_a_handler()
    {
        var id = Guid.NewGuid();
        Assert.True(Of<ShipmentV3>().TryRead("evolution.shipment", 1, Write(new ShipmentV1(id, null, "old", ["x"])), out ShipmentV3? replayed));
        Assert.Equal("old", replayed.Title);      // set by v2's OnUpcast, then copied by v3's generated upcast
        Assert.Equal(["x"], replayed.Tags);
        Assert.Equal("post", replayed.Carrier);   // v2's default
        Assert.Equal(1, replayed.Parcels);        // v3's default

        var received = new Received();
        await using TestBus bus = await TestBus.StartAsync(s => s.AddSingleton(received));
        await bus.Bus.PublishAsync(new ShipmentV1(id, null, "to Eve", ["y"]));
        (ShipmentV3 message, string version) = await Wait.For(received.Newest.Task);

        Assert.Equal("evolution.shipment v1", version);
        Assert.Equal("to Eve", message.Title);
        Assert.Equal(["y"], message.Tags);
    }
}
