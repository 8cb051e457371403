using System;
using System.ComponentModel;

namespace Contracts.Modules;

/// <summary>Marks an assembly that carries a generated <see cref="ContractsModule"/>, so referencing assemblies find it at compile time.</summary>
/// <param name="moduleType">The generated module type.</param>
[AttributeUsage(AttributeTargets.Assembly)]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ContractsModuleAttribute(Type moduleType) : Attribute
{
    /// <summary>The generated module type.</summary>
    public Type ModuleType { get; } = moduleType;
}
