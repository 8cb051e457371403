using System;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Contracts;
using MassTransit.Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;
using MPeer = Contracts.Benchmarks.Dispatch.MediatorPeer;
using MtPeer = Contracts.Benchmarks.Dispatch.MassTransitPeer;
using WPeer = Contracts.Benchmarks.Dispatch.WolverinePeer;

namespace Contracts.Benchmarks.Dispatch;

/// <summary>
/// Send a command to one handler, publish an event to three, run a query: Contracts against a direct call,
/// Mediator (concrete class and IMediator), Wolverine's InvokeAsync and MassTransit's mediator, in one run.
/// Contracts is measured end to end: the bus queues the message on a bounded channel and a consumer runs
/// the handler in its own DI scope, so a batch of sends is timed until its last handler finished. MediatR is
/// left out: its MediatR.Contracts dependency cannot be restored from the registry here.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DispatchBenchmarks
{
    private const int Batch = 1000;
    private static readonly Guid s_id = Guid.NewGuid();

    private IHost _contractsHost = null!;
    private IMessageBus _contracts = null!;
    private BatchCompletion _completion = null!;
    private CreateInvoiceHandler _directCommand = null!;
    private InvoiceMailer[] _directEvent = null!;
    private GetInvoiceTotalHandler _directQuery = null!;
    private readonly CancellationTokenSource _cancel = new();

    private ServiceProvider _mediatorServices = null!;
    private global::Mediator.Mediator _mediatorConcrete = null!;
    private global::Mediator.IMediator _mediatorInterface = null!;

    private IHost _wolverineHost = null!;
    private Wolverine.IMessageBus _wolverine = null!;

    private ServiceProvider _massTransitServices = null!;
    private IMediator _massTransit = null!;
    private MassTransit.IRequestClient<MtPeer.GetInvoiceTotal> _massTransitQuery = null!;

    [GlobalSetup]
    public void Setup()
    {
        HostApplicationBuilder contracts = Host.CreateApplicationBuilder();
        contracts.Logging.ClearProviders();
        contracts.Services.AddSingleton<BatchCompletion>();
        contracts.Services.AddContracts(o => o.UseInMemoryTransport());
        _contractsHost = contracts.Build();
        _contractsHost.Start();
        _contracts = _contractsHost.Services.GetRequiredService<IMessageBus>();
        _completion = _contractsHost.Services.GetRequiredService<BatchCompletion>();
        var noop = new BatchCompletion();
        _directCommand = new CreateInvoiceHandler(noop);
        _directEvent = [new InvoiceMailer(noop), new InvoiceMailer(noop), new InvoiceMailer(noop)];
        _directQuery = new GetInvoiceTotalHandler();

        var mediator = new ServiceCollection();
        mediator.AddMediator(o => o.ServiceLifetime = ServiceLifetime.Singleton);
        _mediatorServices = mediator.BuildServiceProvider();
        _mediatorConcrete = _mediatorServices.GetRequiredService<global::Mediator.Mediator>();
        _mediatorInterface = _mediatorServices.GetRequiredService<global::Mediator.IMediator>();

        HostApplicationBuilder wolverine = Host.CreateApplicationBuilder();
        wolverine.Logging.ClearProviders();
        wolverine.UseWolverine(o =>
        {
            o.Durability.Mode = DurabilityMode.MediatorOnly;
            o.Discovery.DisableConventionalDiscovery()
                .IncludeType(typeof(WPeer.CreateInvoiceHandler))
                .IncludeType(typeof(WPeer.InvoiceMailer))
                .IncludeType(typeof(WPeer.InvoiceLedger))
                .IncludeType(typeof(WPeer.InvoiceAudit))
                .IncludeType(typeof(WPeer.GetInvoiceTotalHandler));
        });
        _wolverineHost = wolverine.Build();
        _wolverineHost.Start();
        _wolverine = _wolverineHost.Services.GetRequiredService<Wolverine.IMessageBus>();

        var massTransit = new ServiceCollection();
        massTransit.AddLogging();
        // Through a method group: Mediator's generator reads every call named AddMediator as its own configuration.
        Func<IServiceCollection, Action<MassTransit.IMediatorRegistrationConfigurator>?, IServiceCollection> addMassTransitMediator =
            MassTransit.DependencyInjectionRegistrationExtensions.AddMediator;
        addMassTransitMediator(massTransit, cfg =>
        {
            cfg.AddConsumer<MtPeer.CreateInvoiceConsumer>();
            cfg.AddConsumer<MtPeer.InvoiceMailer>();
            cfg.AddConsumer<MtPeer.InvoiceLedger>();
            cfg.AddConsumer<MtPeer.InvoiceAudit>();
            cfg.AddConsumer<MtPeer.GetInvoiceTotalConsumer>();
        });
        _massTransitServices = massTransit.BuildServiceProvider();
        _massTransit = _massTransitServices.GetRequiredService<IMediator>();
        _massTransitQuery = _massTransit.CreateRequestClient<MtPeer.GetInvoiceTotal>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _contractsHost.StopAsync().GetAwaiter().GetResult();
        _contractsHost.Dispose();
        _wolverineHost.StopAsync().GetAwaiter().GetResult();
        _wolverineHost.Dispose();
        _mediatorServices.Dispose();
        _massTransitServices.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // ---- send a command to one handler ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_DirectCall()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _directCommand.HandleAsync(new CreateInvoice(s_id, i), null!, CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_Contracts()
    {
        Task done = _completion.Arm(Batch);
        for (int i = 0; i < Batch; i++)
        {
            await _contracts.SendAsync(new CreateInvoice(s_id, i));
        }

        await done;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_Mediator_Concrete()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _mediatorConcrete.Send(new MPeer.CreateInvoice(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_Mediator_IMediator()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _mediatorInterface.Send(new MPeer.CreateInvoice(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_Wolverine_InvokeAsync()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _wolverine.InvokeAsync(new WPeer.CreateInvoice(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Send")]
    public async Task Send_MassTransit_Mediator()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _massTransit.Send(new MtPeer.CreateInvoice(s_id, i));
        }
    }

    // ---- publish an event to three handlers ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_DirectCall()
    {
        for (int i = 0; i < Batch; i++)
        {
            var e = new InvoiceCreated(s_id, i);
            foreach (InvoiceMailer handler in _directEvent)
            {
                await handler.HandleAsync(e, null!, CancellationToken.None);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_Contracts()
    {
        Task done = _completion.Arm(Batch * 3);
        for (int i = 0; i < Batch; i++)
        {
            await _contracts.PublishAsync(new InvoiceCreated(s_id, i));
        }

        await done;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_Mediator_Concrete()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _mediatorConcrete.Publish(new MPeer.InvoiceCreated(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_Mediator_IMediator()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _mediatorInterface.Publish(new MPeer.InvoiceCreated(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_Wolverine_InvokeAsync()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _wolverine.InvokeAsync(new WPeer.InvoiceCreated(s_id, i));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Publish")]
    public async Task Publish_MassTransit_Mediator()
    {
        for (int i = 0; i < Batch; i++)
        {
            await _massTransit.Publish(new MtPeer.InvoiceCreated(s_id, i));
        }
    }

    // ---- query with a typed result ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_DirectCall()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _directQuery.HandleAsync(new GetInvoiceTotal(s_id), null!, CancellationToken.None);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Contracts()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _contracts.QueryAsync(new GetInvoiceTotal(s_id));
        }

        return sum;
    }

    /// <summary>The caller passes a token that can cancel: one registration on it per query, linking it to the handler's token.</summary>
    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Contracts_CallerToken()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _contracts.QueryAsync(new GetInvoiceTotal(s_id), cancellationToken: _cancel.Token);
        }

        return sum;
    }

    /// <summary>The handler suspends once (<c>Task.Yield</c>): the timeout is armed and the caller awaits the handler's task.</summary>
    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Contracts_HandlerSuspends()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _contracts.QueryAsync(new GetInvoiceTotalLater(s_id));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Mediator_Concrete()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _mediatorConcrete.Send(new MPeer.GetInvoiceTotal(s_id));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Mediator_IMediator()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _mediatorInterface.Send(new MPeer.GetInvoiceTotal(s_id));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_Wolverine_InvokeAsync()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            sum += await _wolverine.InvokeAsync<decimal>(new WPeer.GetInvoiceTotal(s_id));
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("Query")]
    public async Task<decimal> Query_MassTransit_Mediator()
    {
        decimal sum = 0;
        for (int i = 0; i < Batch; i++)
        {
            MassTransit.Response<MtPeer.InvoiceTotal> response = await _massTransitQuery.GetResponse<MtPeer.InvoiceTotal>(new MtPeer.GetInvoiceTotal(s_id));
            sum += response.Message.Total;
        }

        return sum;
    }
}
