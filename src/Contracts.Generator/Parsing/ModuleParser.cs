using System.Collections.Generic;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

internal static class ModuleParser
{
    /// <summary>
    /// The generated modules of referenced assemblies, found by their assembly attribute (no type scanning),
    /// so this assembly's module initializer can register them: the host then knows every contract and handler
    /// it references, however many projects they are spread over.
    /// </summary>
    public static EquatableArray<string> ReferencedModules(Compilation compilation, CancellationToken cancellationToken)
    {
        var modules = new List<string>();
        foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // This step runs on every edit: skip, from metadata alone, the framework and every other assembly
            // that does not reference the Contracts runtime, before decoding any attribute.
            if (!ReferencesContractsRuntime(assembly))
            {
                continue;
            }

            foreach (AttributeData attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == WellKnownNames.ContractsModuleAttribute
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is INamedTypeSymbol module
                    && module.DeclaredAccessibility == Accessibility.Public)
                {
                    modules.Add(TypeNames.Qualified(module));
                }
            }
        }

        modules.Sort(System.StringComparer.Ordinal);
        return modules.ToEquatableArray();
    }

    private static bool ReferencesContractsRuntime(IAssemblySymbol assembly)
    {
        foreach (IModuleSymbol module in assembly.Modules)
        {
            foreach (AssemblyIdentity reference in module.ReferencedAssemblies)
            {
                if (reference.Name == WellKnownNames.RuntimeAssembly)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The Contracts runtime is referenced: without it, there is nothing to generate against.</summary>
    public static bool ReferencesRuntime(Compilation compilation) =>
        compilation.GetTypeByMetadataName(WellKnownNames.ContractsModuleAttribute) is not null;
}
