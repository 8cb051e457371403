using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Threading;

namespace Contracts.Modules;

/// <summary>
/// What one assembly contributes, written by the generator: its contracts (the catalog), its handlers and
/// their DI registrations. A generated module initializer registers it with <see cref="ContractsModules"/>,
/// together with the modules of the assemblies it references, so the host finds them without scanning.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class ContractsModule
{
    /// <summary>The assembly the module describes.</summary>
    public abstract string AssemblyName { get; }

    /// <summary>Adds the assembly's contracts and handlers.</summary>
    /// <param name="builder">Collects contracts, handlers and services.</param>
    public abstract void Configure(ContractsModuleBuilder builder);

    /// <inheritdoc />
    public override string ToString() => AssemblyName;
}

/// <summary>Marks an assembly that carries a generated <see cref="ContractsModule"/>, so referencing assemblies find it at compile time.</summary>
/// <param name="moduleType">The generated module type.</param>
[AttributeUsage(AttributeTargets.Assembly)]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ContractsModuleAttribute(Type moduleType) : Attribute
{
    /// <summary>The generated module type.</summary>
    public Type ModuleType { get; } = moduleType;
}

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
