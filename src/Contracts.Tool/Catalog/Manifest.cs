using System;
using System.Collections.Generic;
using System.Globalization;

namespace Contracts.Tool.Catalog;

/// <summary>
/// The generated module's <c>Manifest</c> constant: one line per contract, <c>C\tname\tversion\ttype</c>, and one per
/// handled message, <c>H\tkind\tmessage type\thandler type</c>, and one per saga step, <c>S\tkind\tmessage type\tsaga
/// type</c> (types as <c>global::</c>-qualified C# names). A saga step is listed as a handler of its message: the saga
/// receives it like any handler.
/// </summary>
internal sealed class Manifest
{
    public List<ManifestContract> Contracts { get; } = [];

    public List<ManifestHandler> Handlers { get; } = [];

    public static Manifest Parse(string text)
    {
        var manifest = new Manifest();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split('\t');
            if (parts is ["C", string name, string version, string type] && int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
            {
                manifest.Contracts.Add(new ManifestContract(name, v, type));
            }
            else if (parts is ["H" or "S", string kind, string message, string handler])
            {
                manifest.Handlers.Add(new ManifestHandler(kind, message, handler));
            }
            else
            {
                throw new ToolException(ExitCodes.Failed, $"The module's manifest has a line this tool does not understand ('{line.Replace('\t', ' ')}'): update the tool to the Contracts version the assembly was built with.");
            }
        }

        return manifest;
    }

    public ManifestContract? Find(string typeName)
    {
        foreach (ManifestContract contract in Contracts)
        {
            if (contract.TypeName == typeName)
            {
                return contract;
            }
        }

        return null;
    }
}

internal sealed record ManifestContract(string Name, int Version, string TypeName);

internal sealed record ManifestHandler(string Kind, string MessageType, string HandlerType);
