using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>Every rule can be raised or silenced with .editorconfig and #pragma, whole-compilation rules included.</summary>
public sealed class ConfigurationTests
{
    private const string TwoHandlersNoKey = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId);
        [Command] public partial record {|#2:CancelOrder|}([property: IdempotencyKey] Guid OrderId);

        public sealed class {|#0:PlaceOrderHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class {|#1:OtherHandler|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    [Fact]
    public Task Editorconfig_raises_and_silences_rules()
    {
        var test = new ContractsTest { TestCode = TwoHandlersNoKey };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.CTR011.severity = warning
            dotnet_diagnostic.CTR002.severity = none
            dotnet_diagnostic.CTR001.severity = suggestion
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("CTR011", DiagnosticSeverity.Warning).WithLocation(2));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("CTR001", DiagnosticSeverity.Info).WithLocation(0));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("CTR001", DiagnosticSeverity.Info).WithLocation(1));
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public Task Without_configuration_the_defaults_apply() => ContractsTest.AnalyzeAsync(
        TwoHandlersNoKey,
        new DiagnosticResult("CTR001", DiagnosticSeverity.Error).WithLocation(0),
        new DiagnosticResult("CTR002", DiagnosticSeverity.Warning).WithLocation(0),
        new DiagnosticResult("CTR001", DiagnosticSeverity.Error).WithLocation(1),
        new DiagnosticResult("CTR002", DiagnosticSeverity.Warning).WithLocation(1),
        new DiagnosticResult("CTR011", DiagnosticSeverity.Info).WithLocation(2));

    [Fact]
    public Task Pragma_silences_per_symbol_and_whole_compilation_rules() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder(Guid OrderId);

        #pragma warning disable CTR010 // the formatter test wants a List
        [Event] public partial record Tagged([property: IdempotencyKey] Guid Id, List<string> Tags);
        #pragma warning restore CTR010

        #pragma warning disable CTR001, CTR002
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }

        public sealed class OtherHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
        #pragma warning disable CTR012
                Task.Delay(1, cancellationToken).Wait();
        #pragma warning restore CTR012
                return ValueTask.CompletedTask;
            }
        }
        #pragma warning restore CTR001, CTR002
        """);
}
