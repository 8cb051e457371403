using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// Every prefix of a realistic file, as an editor sees it while it is typed, runs the generator without an exception
/// (CS8785 would drop all generated output), without its last-resort error, and with generated code that compiles.
/// </summary>
public sealed class TruncationTests
{
    private const string Program = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        namespace Shop.Orders;

        public enum Priority : byte { Low, High }
        public sealed record Line(string Sku, int Quantity, Priority Priority);

        [Command(Name = "orders.place", Version = 2)]
        public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, IReadOnlyList<Line> Lines, string? Note = null)
        {
            public DateOnly Day { get; init; }
        }

        [Event] public partial record OrderPlaced(Guid OrderId, decimal Total);
        [Event] public partial record orderPlaced(Guid OrderId);
        [Query] public partial record GetOrder(Guid OrderId) : IQuery<IReadOnlyList<Line>>;

        public static partial class Nested { [Event] public partial record Inner(int X); }

        public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>, IQueryHandler<GetOrder, IReadOnlyList<Line>>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
                => await context.PublishAsync(new OrderPlaced(command.OrderId, 42m), cancellationToken);

            public ValueTask<IReadOnlyList<Line>> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken)
                => ValueTask.FromResult<IReadOnlyList<Line>>([]);
        }
        """;

    public static TheoryData<int> Lengths()
    {
        var lengths = new TheoryData<int>();
        for (int length = 0; length < Program.Length; length += 23)
        {
            lengths.Add(length);
        }

        lengths.Add(Program.Length);
        return lengths;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_prefix_of_a_file_being_typed_is_handled(int length)
    {
        GeneratorRun run = GeneratorHarness.RunRaw(GeneratorHarness.Compile(Program[..length]));

        GeneratorHarness.AssertNoException(run);
        Assert.DoesNotContain(run.Result.Diagnostics, d => d.Id == "CTR999");
        Assert.All(run.Result.Diagnostics, d => Assert.True(d.Location.IsInSource, d.ToString()));
        Diagnostic[] errors = GeneratorHarness.ErrorsInGeneratedCode(run);
        Assert.True(errors.Length == 0, $"prefix of {length}: {string.Join("\n", errors.Select(GeneratorHarness.Describe))}");
    }
}
