using System;
using System.Threading;
using Contracts.Tool;

// Ctrl+C cancels the running command instead of killing the process half-way through a replay or a purge.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await ContractsTool.RunAsync(args, Console.Out, Console.Error, cancel.Token);
