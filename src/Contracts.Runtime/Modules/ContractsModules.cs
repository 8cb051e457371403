using System;
using System.Collections.Generic;
using System.Threading;

namespace Contracts.Modules;

/// <summary>The modules registered in this process by generated module initializers.</summary>
public static class ContractsModules
{
    private static ContractsModule[] s_modules = [];

    /// <summary>The registered modules, in registration order.</summary>
    public static IReadOnlyList<ContractsModule> All => Volatile.Read(ref s_modules);

    /// <summary>Registers <paramref name="module"/> once; called by generated module initializers.</summary>
    /// <param name="module">The module.</param>
    public static void Register(ContractsModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        while (true)
        {
            ContractsModule[] current = Volatile.Read(ref s_modules);
            if (Array.IndexOf(current, module) >= 0)
            {
                return;
            }

            ContractsModule[] next = [.. current, module];
            if (Interlocked.CompareExchange(ref s_modules, next, current) == current)
            {
                return;
            }
        }
    }
}
