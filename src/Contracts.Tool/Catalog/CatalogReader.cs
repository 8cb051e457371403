using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using Contracts.Tool.Output;

namespace Contracts.Tool.Catalog;

/// <summary>
/// Reads the contracts and handlers of a compiled assembly without running any of its code: the assembly is loaded
/// into a <see cref="MetadataLoadContext"/> (metadata only; nothing in it can execute, not even its module
/// initializer). What the generator compiled in is the source of truth: the <c>Manifest</c> constant of the
/// generated module (named by the assembly's <c>[ContractsModule]</c> attribute) lists each contract's wire name,
/// version and type, and each handled message with its handler; the contract types' metadata gives the kind,
/// the query result and the members, numbered by the generator's own rule (<see cref="ContractShape"/>).
/// </summary>
internal static class CatalogReader
{
    private const string ModuleAttribute = "Contracts.Modules.ContractsModuleAttribute";

    public static CatalogView Read(string path, bool references)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ToolException(ExitCodes.NotFound, $"No assembly at '{full}'. Give the .dll a build wrote (bin/<configuration>/<framework>/Name.dll).");
        }

        using MetadataLoadContext context = new(Resolver(full), "System.Private.CoreLib");
        Assembly assembly;
        try
        {
            assembly = context.LoadFromAssemblyPath(full);
        }
        catch (BadImageFormatException ex)
        {
            throw new ToolException(ExitCodes.Failed, $"'{full}' is not a .NET assembly: {ex.Message}", ex);
        }

        var reader = new ManifestIndex(context);
        var modules = new List<(Assembly Assembly, Manifest Manifest)>();
        if (reader.Of(assembly) is { } own)
        {
            modules.Add((assembly, own));
        }

        if (references)
        {
            modules.AddRange(reader.ReferencedModules(assembly));
        }

        if (modules.Count == 0)
        {
            throw new ToolException(
                ExitCodes.Failed,
                references
                    ? $"Neither '{assembly.GetName().Name}' nor the assemblies beside it that it references have a Contracts module: none was built with the Contracts generator (reference the Contracts package)."
                    : $"'{assembly.GetName().Name}' has no Contracts module: it declares no contracts or handlers, or it was built without the Contracts generator (reference the Contracts package).");
        }

        var contracts = new List<ContractView>();
        var handlers = new List<HandlerView>();
        foreach ((Assembly module, Manifest manifest) in modules)
        {
            string name = module.GetName().Name ?? "";
            foreach (ManifestContract entry in manifest.Contracts)
            {
                Type type = Find(module, entry.TypeName) ?? throw new ToolException(
                    ExitCodes.Failed, $"The manifest of '{name}' names contract type {entry.TypeName}, which the assembly does not define: was it built with another version of the generator?");
                contracts.Add(ContractShape.Describe(type, entry.Name, entry.Version, name));
            }

            foreach (ManifestHandler entry in manifest.Handlers)
            {
                ManifestContract? contract = manifest.Find(entry.MessageType) ?? reader.ContractOf(module, entry.MessageType);
                handlers.Add(new HandlerView(TypeNames.Strip(entry.HandlerType), entry.Kind.ToLowerInvariant(), TypeNames.Strip(entry.MessageType), contract?.Name, contract?.Version, name));
            }
        }

        return new CatalogView(assembly.GetName().Name ?? Path.GetFileNameWithoutExtension(full), full, contracts, handlers);
    }

    /// <summary>The assembly's folder (its references, as a build or publish lays them out) and this runtime's framework.</summary>
    private static PathAssemblyResolver Resolver(string assemblyPath)
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string dll in Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
        {
            paths[Path.GetFileName(dll)] = dll;
        }

        foreach (string dll in Directory.GetFiles(Path.GetDirectoryName(assemblyPath)!, "*.dll"))
        {
            // The framework's own copy wins: a folder may hold reference or older copies of framework assemblies.
            paths.TryAdd(Path.GetFileName(dll), dll);
        }

        paths[Path.GetFileName(assemblyPath)] = assemblyPath;
        return new PathAssemblyResolver(paths.Values);
    }

    /// <summary>A type by the manifest's C# name (<c>global::Shop.Order.Placed</c>), nested types included.</summary>
    internal static Type? Find(Assembly assembly, string csharpName)
    {
        string name = TypeNames.Strip(csharpName);
        if (name.Contains('<', StringComparison.Ordinal))
        {
            return null; // A generic handler; contracts are never generic.
        }

        // Shop.Order.Placed may be the type Placed nested in Shop.Order: try the dots from the right as nesting.
        char[] chars = name.ToCharArray();
        for (int i = chars.Length; i >= 0; i--)
        {
            if (i < chars.Length && chars[i] == '.')
            {
                chars[i] = '+';
            }
            else if (i < chars.Length)
            {
                continue;
            }

            if (assembly.GetType(new string(chars), throwOnError: false) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>The generated modules' manifests of the assemblies in the context, read once each.</summary>
    private sealed class ManifestIndex(MetadataLoadContext context)
    {
        private readonly Dictionary<Assembly, Manifest?> _manifests = [];

        public Manifest? Of(Assembly assembly)
        {
            if (_manifests.TryGetValue(assembly, out Manifest? known))
            {
                return known;
            }

            Manifest? manifest = null;
            foreach (CustomAttributeData attribute in assembly.GetCustomAttributesData())
            {
                if (attribute.AttributeType.FullName == ModuleAttribute && attribute.ConstructorArguments is [{ Value: Type module }] &&
                    module.GetField("Manifest", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field &&
                    field.GetRawConstantValue() is string text)
                {
                    manifest = Manifest.Parse(text);
                    break;
                }
            }

            _manifests[assembly] = manifest;
            return manifest;
        }

        /// <summary>
        /// The modules of the assemblies <paramref name="root"/> references, directly or not, that lie beside it (the
        /// framework's own are not looked into), in the order they are first reached.
        /// </summary>
        public List<(Assembly Assembly, Manifest Manifest)> ReferencedModules(Assembly root)
        {
            string framework = RuntimeEnvironment.GetRuntimeDirectory();
            var found = new List<(Assembly, Manifest)>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { root.GetName().Name ?? "" };
            var next = new Queue<Assembly>();
            next.Enqueue(root);
            while (next.TryDequeue(out Assembly? current))
            {
                foreach (AssemblyName reference in current.GetReferencedAssemblies())
                {
                    if (!seen.Add(reference.Name ?? ""))
                    {
                        continue;
                    }

                    Assembly referenced;
                    try
                    {
                        referenced = context.LoadFromAssemblyName(reference);
                    }
                    catch (FileNotFoundException)
                    {
                        continue; // Not beside the assembly and not the framework's.
                    }

                    if (referenced.Location.StartsWith(framework, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (Of(referenced) is { } manifest)
                    {
                        found.Add((referenced, manifest));
                    }

                    next.Enqueue(referenced);
                }
            }

            return found;
        }

        /// <summary>The contract of a message type declared in a referenced assembly, from that assembly's own manifest.</summary>
        public ManifestContract? ContractOf(Assembly from, string messageType)
        {
            foreach (AssemblyName reference in from.GetReferencedAssemblies())
            {
                Assembly referenced;
                try
                {
                    referenced = context.LoadFromAssemblyName(reference);
                }
                catch (FileNotFoundException)
                {
                    continue; // Not beside the assembly: its contracts' names stay unknown in the output.
                }

                if (Of(referenced)?.Find(messageType) is { } contract)
                {
                    return contract;
                }
            }

            return null;
        }
    }
}
