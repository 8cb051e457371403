using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>
/// Every mistake shows its own diagnostic on a build (not only in the analyzer harness, which runs analyzers even after
/// declaration errors), and correct programs show none.
/// </summary>
public sealed class RealBuildTests
{
    public static TheoryData<Mistake> MistakeCases => new(Mistakes.All);

    public static TheoryData<CleanProgram> CleanCases => new(CleanPrograms.All);

    [Theory]
    [MemberData(nameof(MistakeCases))]
    public async Task A_mistake_shows_its_rule_on_build(Mistake mistake)
    {
        BuildOutput build = await BuildEmulation.BuildAsync(TestContext.Current.CancellationToken, mistake.Sources);

        Assert.True(build.Ids.Contains(mistake.Id), $"{mistake.Name}: expected {mistake.Id}; the build printed:\n{build}");

        // No other Contracts rule: one mistake, one diagnostic (CTR001 and CTR005 name every party, each at its own place).
        Assert.True(build.Ids.Where(id => id.StartsWith("CTR", StringComparison.Ordinal)).All(id => id == mistake.Id), $"{mistake.Name}: other Contracts rules:\n{build}");
        if (mistake.Alone)
        {
            Assert.True(build.Diagnostics.All(d => d.Id == mistake.Id), $"{mistake.Name}: more than {mistake.Id}:\n{build}");
        }
    }

    [Theory]
    [MemberData(nameof(CleanCases))]
    public async Task A_correct_program_builds_with_no_diagnostic(CleanProgram program)
    {
        BuildOutput build = await BuildEmulation.BuildAsync(TestContext.Current.CancellationToken, program.Sources);

        Assert.True(build.AnalyzersRan, $"{program.Name}: the build stopped before analyzers:\n{build}");
        Assert.True(build.Diagnostics.IsEmpty, $"{program.Name}:\n{build}");
    }

    [Fact]
    public async Task The_emulation_stops_before_analyzers_on_a_declaration_error_as_the_compiler_does()
    {
        // Guards the harness: CTR002 (an analyzer's) would show in the analyzer harness here, but not on build.
        BuildOutput build = await BuildEmulation.BuildAsync(TestContext.Current.CancellationToken, """
            using Contracts;
            namespace Shop;
            [Command] public partial record PlaceOrder(Guid OrderId);
            public sealed class Handler : ICommandHandler<PlaceOrder>, IMissing
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            """);

        Assert.False(build.AnalyzersRan);
        Assert.Contains("CS0246", build.Ids);
        Assert.DoesNotContain("CTR002", build.Ids);
    }

    [Fact]
    public async Task A_contract_that_is_not_partial_and_is_sent_shows_CTR003_and_only_the_sends_constraint_error()
    {
        // The one cascade left, on purpose: IMessageBus.SendAsync's constraints are what make sending an event a compile
        // error, and a type that is not partial cannot be given ICommand. The send's CS0311 is a method-body error, so the
        // build still runs analyzers and prints CTR003 beside it; the handler's base list compiles (no CS0311 there).
        BuildOutput build = await BuildEmulation.BuildAsync(TestContext.Current.CancellationToken, """
            using Contracts;
            namespace Shop;
            [Command] public sealed record PlaceOrder([property: IdempotencyKey] Guid OrderId);
            [Idempotent]
            public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
            {
                public ValueTask HandleAsync(PlaceOrder message, MessageContext context, CancellationToken cancellationToken) => default;
            }
            public sealed class Checkout(IMessageBus bus)
            {
                public ValueTask BuyAsync(Guid id) => bus.SendAsync(new PlaceOrder(id));
            }
            """);

        Assert.True(build.AnalyzersRan, build.ToString());
        Assert.Equal("CTR003", Assert.Single(build.Ids, id => id.StartsWith("CTR", StringComparison.Ordinal)));
        Assert.All(build.Diagnostics.Where(d => d.Id != "CTR003"), d =>
        {
            // CS0311 twice (ICommand and IContract<PlaceOrder>), both at the send.
            Assert.Equal("CS0311", d.Id);
            Assert.Contains("SendAsync", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_pragma_silences_a_rule_the_generator_reports_as_it_does_an_analyzers()
    {
        // The generator reports at real source locations (not locations by path), so #pragma applies, as on dotnet build.
        BuildOutput build = await BuildEmulation.BuildAsync(TestContext.Current.CancellationToken, """
            using Contracts;
            namespace Shop;
            #pragma warning disable CTR004 // a log record no broker carries
            [Event] public partial record Logged(object Payload);
            #pragma warning restore CTR004
            [Event] public partial record Logged2(object Payload);
            """);

        Diagnostic diagnostic = Assert.Single(build.Diagnostics);
        Assert.Equal("CTR004", diagnostic.Id);
        Assert.Contains("Logged2", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
