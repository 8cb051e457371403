using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contracts;

/// <summary>Starts the endpoints with the host and drains them when it stops.</summary>
internal sealed class ContractsHostedService(ContractsRuntime runtime, ILogger? noModulesLogger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (noModulesLogger is not null)
        {
            Log.NoModules(noModulesLogger);
        }

        return runtime.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
