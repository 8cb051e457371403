using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Runtime.Tests;

/// <summary>Options and endpoint settings from configuration (appsettings.json), read without reflection and checked.</summary>
public sealed partial class ConfigurationTests
{
    [Command] public partial record Configured([property: IdempotencyKey] int N);

    public sealed class ConfiguredHandler : ICommandHandler<Configured>
    {
        public ValueTask HandleAsync(Configured command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static IConfigurationSection Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("Contracts");

    private static string EndpointName => TransportEndpoint.AddressOf(Descriptor.Of<Configured>());

    [Fact]
    public async Task Options_and_endpoint_settings_come_from_the_section()
    {
        IConfigurationSection section = Json($$"""
            {
              "Contracts": {
                "QueryTimeout": "00:00:07",
                "MaxPayloadBytes": 2048,
                "ExpiredMessages": "DeadLetter",
                "Endpoints": {
                  "Defaults": { "Capacity": 77, "Retry": { "ImmediateRetries": 2, "Delay": "00:00:00.250" } },
                  "{{EndpointName}}": { "MaxConcurrency": 3, "FullMode": "reject", "Delivery": "AtMostOnce", "Retry": { "Jitter": 0.5 } }
                }
              }
            }
            """);
        await using Started host = await Started.StartAsync(s => s.AddContracts(section));

        ContractsOptions options = host.Get<ContractsOptions>();
        Assert.Equal(TimeSpan.FromSeconds(7), options.QueryTimeout);
        Assert.Equal(2048, options.MaxPayloadBytes);
        Assert.Equal(ExpiredMessages.DeadLetter, options.ExpiredMessages);
        EndpointOptions endpoint = Endpoint(host);
        Assert.Equal(77, endpoint.Capacity);
        Assert.Equal(3, endpoint.MaxConcurrency);
        Assert.Equal(EndpointFullMode.Reject, endpoint.FullMode);
        Assert.Equal(DeliveryMode.AtMostOnce, endpoint.Delivery);
        Assert.Equal(2, endpoint.Retry.ImmediateRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(250), endpoint.Retry.Delay);
        Assert.Equal(0.5, endpoint.Retry.Jitter);
    }

    [Fact]
    public async Task The_section_is_applied_over_what_code_set_and_code_keeps_what_it_does_not_name()
    {
        IConfigurationSection section = Json($$"""
            { "Contracts": { "ShutdownTimeout": "00:00:03", "Endpoints": { "{{EndpointName}}": { "MaxConcurrency": 5 } } } }
            """);
        await using Started host = await Started.StartAsync(s => s.AddContracts(section, o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
            o.QueryTimeout = TimeSpan.FromSeconds(9);
            o.UseInMemoryTransport(t => t.Endpoint<Configured>(e => { e.MaxConcurrency = 2; e.Capacity = 11; }));
        }));

        ContractsOptions options = host.Get<ContractsOptions>();
        Assert.Equal(TimeSpan.FromSeconds(3), options.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), options.QueryTimeout);
        Assert.Equal(5, Endpoint(host).MaxConcurrency);
        Assert.Equal(11, Endpoint(host).Capacity);
    }

    [Fact]
    public async Task The_section_of_a_host_reads_appsettings_style_keys_and_environment_overrides()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("Contracts:QueryTimeout", "00:00:04"),
            new($"Contracts:Endpoints:{EndpointName}:Capacity", "5"),
        ]);
        builder.Services.AddContracts(builder.Configuration.GetSection("Contracts"));
        using IHost host = builder.Build();
        await host.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(4), host.Services.GetRequiredService<ContractsOptions>().QueryTimeout);
        Assert.Equal(5, host.Services.GetRequiredService<ContractsRuntime>().Routes.Endpoints.Single(e => e.Name == EndpointName).Options.Capacity);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("""{ "Contracts": { "QueryTimeouts": "00:00:01" } }""", "Contracts:QueryTimeouts")]
    [InlineData("""{ "Contracts": { "Endpoints": { "Defaults": { "Concurrency": 2 } } } }""", "Contracts:Endpoints:Defaults:Concurrency")]
    [InlineData("""{ "Contracts": { "Endpoints": { "X": { "Retry": { "Retries": 2 } } } } }""", "Contracts:Endpoints:X:Retry:Retries")]
    public void A_key_that_is_not_a_setting_is_refused_naming_its_path(string json, string path)
    {
        var services = new ServiceCollection();

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => services.AddContracts(Json(json)));

        Assert.Contains($"'{path}'", ex.Message);
        Assert.Contains("not a Contracts setting", ex.Message);
    }

    [Theory]
    [InlineData("""{ "Contracts": { "QueryTimeout": "soon" } }""", "Contracts:QueryTimeout", "TimeSpan")]
    [InlineData("""{ "Contracts": { "MaxPayloadBytes": "1MB" } }""", "Contracts:MaxPayloadBytes", "integer")]
    [InlineData("""{ "Contracts": { "Endpoints": { "Defaults": { "FullMode": "Overflow" } } } }""", "Contracts:Endpoints:Defaults:FullMode", "Wait, DropOldest")]
    [InlineData("""{ "Contracts": { "Endpoints": { "Defaults": { "Delivery": "7" } } } }""", "Contracts:Endpoints:Defaults:Delivery", "AtLeastOnce")]
    [InlineData("""{ "Contracts": { "Endpoints": { "Defaults": { "Consume": "yes" } } } }""", "Contracts:Endpoints:Defaults:Consume", "true or false")]
    public void A_value_that_cannot_be_read_is_refused_naming_its_path_and_what_it_should_be(string json, string path, string expected)
    {
        var services = new ServiceCollection();

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => services.AddContracts(Json(json)));

        Assert.Contains($"'{path}'", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("QueryTimeout", "00:00:00")]
    [InlineData("ClaimDuration", "-00:00:01")]
    [InlineData("MaxPayloadBytes", "0")]
    [InlineData("ShutdownTimeout", "-00:00:01")]
    public async Task A_value_out_of_range_is_refused_when_the_host_starts_naming_the_option(string key, string value)
    {
        IConfigurationSection section = Json($$"""{ "Contracts": { "{{key}}": "{{value}}" } }""");

        ArgumentOutOfRangeException ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await Started.StartAsync(s => s.AddContracts(section)));

        Assert.Equal(key, ex.ParamName);
        Assert.Contains($"ContractsOptions.{key}", ex.Message);
    }

    [Fact]
    public async Task An_endpoint_setting_out_of_range_in_the_section_is_refused_when_the_host_starts()
    {
        IConfigurationSection section = Json($$"""{ "Contracts": { "Endpoints": { "{{EndpointName}}": { "MaxConcurrency": 0 } } } }""");

        ArgumentOutOfRangeException ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await Started.StartAsync(s => s.AddContracts(section)));

        Assert.Contains(EndpointName, ex.Message);
    }

    [Fact]
    public async Task Configure_of_ContractsOptions_through_the_options_pattern_is_refused_instead_of_ignored()
    {
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await TestBus.StartAsync(s => s.Configure<ContractsOptions>(o => o.QueryTimeout = TimeSpan.FromSeconds(1))));

        Assert.Contains("IOptions<ContractsOptions>", ex.Message);
        Assert.Contains("AddContracts(configuration.GetSection(\"Contracts\")", ex.Message);
    }

    private static EndpointOptions Endpoint(Started host) =>
        host.Get<ContractsRuntime>().Routes.Endpoints.Single(e => e.Name == EndpointName).Options;

    /// <summary>A provider whose only AddContracts is the test's own (TestBus adds one of its own), started as a host starts it.</summary>
    private sealed class Started(ServiceProvider provider) : IAsyncDisposable
    {
        public static async Task<Started> StartAsync(Action<IServiceCollection> configure)
        {
            var services = new ServiceCollection();
            configure(services);
            ServiceProvider provider = services.BuildServiceProvider();
            try
            {
                foreach (IHostedService hosted in provider.GetServices<IHostedService>())
                {
                    await hosted.StartAsync(CancellationToken.None);
                }
            }
            catch
            {
                await provider.DisposeAsync();
                throw;
            }

            return new Started(provider);
        }

        public T Get<T>()
            where T : notnull => provider.GetRequiredService<T>();

        public async ValueTask DisposeAsync()
        {
            foreach (IHostedService hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await provider.DisposeAsync();
        }
    }
}
