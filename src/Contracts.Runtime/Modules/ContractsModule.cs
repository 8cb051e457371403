using System.ComponentModel;

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
