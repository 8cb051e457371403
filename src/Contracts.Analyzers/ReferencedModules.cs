using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The contracts, handlers and saga steps of the Contracts modules a compilation references, read from each generated
/// module's <c>Manifest</c> constant (found by the assembly's ContractsModule attribute, as the generator finds them).
/// </summary>
internal sealed class ReferencedModules
{
    private readonly List<(string Kind, string Message, string Handler, string Assembly)> _handlers = [];
    private readonly List<(string Message, string Saga, string Assembly)> _sagaCommands = [];
    private readonly List<(string Name, int Version, string Type, string Assembly)> _contracts = [];

    public static ReferencedModules Read(Compilation compilation, CancellationToken cancellationToken)
    {
        var modules = new ReferencedModules();
        foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!assembly.Modules.Any(static m => m.ReferencedAssemblies.Any(static r => r.Name == WellKnownNames.RuntimeAssembly)))
            {
                continue;
            }

            foreach (AttributeData attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != WellKnownNames.ContractsModuleAttribute
                    || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol module)
                {
                    continue;
                }

                foreach (ISymbol member in module.GetMembers(WellKnownNames.ManifestFieldName))
                {
                    if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: string manifest })
                    {
                        modules.Add(manifest, assembly.Name);
                    }
                }
            }
        }

        return modules;
    }

    private void Add(string manifest, string assembly)
    {
        foreach (string line in manifest.Split('\n'))
        {
            string[] parts = line.Split('\t');
            if (parts.Length == 4 && parts[0] == "H" && parts[1] is "Command" or "Query")
            {
                _handlers.Add((parts[1], parts[2], parts[3], assembly));
            }
            else if (parts.Length == 4 && parts[0] == "S" && parts[1] == "Command")
            {
                _sagaCommands.Add((parts[2], parts[3], assembly));
            }
            else if (parts.Length == 4 && parts[0] == "C" && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version))
            {
                _contracts.Add((parts[1], version, parts[3], assembly));
            }
        }
    }

    /// <summary>The handlers of <paramref name="message"/> (a global::-qualified type) in referenced modules, as "Handler (Assembly)".</summary>
    public List<string> HandlersOf(string message) =>
        _handlers.Where(h => h.Message == message).Select(Describe).OrderBy(static n => n, System.StringComparer.Ordinal).ToList();

    /// <summary>
    /// Who takes <paramref name="message"/> (a global::-qualified command) in referenced modules: each saga step
    /// ("saga 'OrderSaga' (Orders)") and command handler ("handler 'Billing' (Billing)").
    /// </summary>
    public List<(string Description, string Name, bool IsSaga)> CommandReceiversOf(string message)
    {
        var receivers = new List<(string Description, string Name, bool IsSaga)>();
        foreach ((string m, string saga, string assembly) in _sagaCommands)
        {
            if (m == message)
            {
                receivers.Add(($"saga '{ShortName(saga)}' ({assembly})", $"{ShortName(saga)} ({assembly})", true));
            }
        }

        foreach ((string kind, string m, string handler, string assembly) in _handlers)
        {
            if (kind == "Command" && m == message)
            {
                receivers.Add(($"handler '{ShortName(handler)}' ({assembly})", $"{ShortName(handler)} ({assembly})", false));
            }
        }

        receivers.Sort(static (a, b) => string.CompareOrdinal(a.Description, b.Description));
        return receivers;
    }

    /// <summary>The commands that a saga step of a referenced module takes (CTR035 checks who else takes them).</summary>
    public IEnumerable<string> SagaCommands() =>
        _sagaCommands.Select(static s => s.Message).Distinct().OrderBy(static m => m, System.StringComparer.Ordinal);

    /// <summary>Commands and queries that referenced modules, between them, handle more than once.</summary>
    public IEnumerable<(string Message, string Kind, List<string> Handlers)> SeveralHandlers() =>
        _handlers.GroupBy(static h => h.Message)
            .Where(static g => g.Count() > 1)
            .OrderBy(static g => g.Key, System.StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().Kind == "Command" ? "command" : "query", g.Select(Describe).OrderBy(static n => n, System.StringComparer.Ordinal).ToList()));

    /// <summary>The contracts of referenced modules with this wire name and version, as "'Type' (Assembly)".</summary>
    public List<string> ContractsNamed(string name, int version) =>
        _contracts.Where(c => c.Name == name && c.Version == version).Select(static c => $"'{ShortName(c.Type, keepNamespace: true)}' ({c.Assembly})").OrderBy(static n => n, System.StringComparer.Ordinal).ToList();

    /// <summary>Wire names and versions that two referenced contracts share.</summary>
    public IEnumerable<(string Name, int Version, List<string> Types)> DuplicateContracts() =>
        _contracts.GroupBy(static c => (c.Name, c.Version))
            .Where(static g => g.Select(static c => c.Type).Distinct().Count() > 1)
            .OrderBy(static g => g.Key.Name, System.StringComparer.Ordinal)
            .Select(static g => (g.Key.Name, g.Key.Version, g.Select(static c => $"'{ShortName(c.Type, keepNamespace: true)}' ({c.Assembly})").OrderBy(static n => n, System.StringComparer.Ordinal).ToList()));

    public static string ShortName(string qualified, bool keepNamespace = false)
    {
        string name = qualified.StartsWith("global::", System.StringComparison.Ordinal) ? qualified.Substring("global::".Length) : qualified;
        return keepNamespace ? name : name.Substring(name.LastIndexOf('.') + 1);
    }

    private static string Describe((string Kind, string Message, string Handler, string Assembly) handler) =>
        $"{ShortName(handler.Handler)} ({handler.Assembly})";
}
