using System.IO;
using System.Reflection;
using System.Text;
using Contracts.Tool.Catalog;
using Contracts.Tool.Output;

namespace Contracts.Tool.AsyncApi;

/// <summary><c>contracts asyncapi &lt;assembly.dll&gt;</c>.</summary>
internal static class AsyncApiCommand
{
    public const string Help =
        "contracts asyncapi <assembly.dll> [--references] [--output <file>]\n" +
        "\n" +
        "The AsyncAPI 3.0 document of a compiled assembly's contracts (read as `contracts catalog` reads them, as metadata):\n" +
        "a channel per contract address and per event subscription, a message per contract with its headers and payload\n" +
        "schema, a send operation per contract and a receive operation per handler. JSON (which is YAML), deterministic.\n" +
        "--references adds the contracts and handlers of the assemblies it references (those beside it): a host's view.\n" +
        "--output writes it to a file (UTF-8, no byte order mark) instead of standard output.\n" +
        "Builds write it with <ContractsAsyncApi>true</ContractsAsyncApi> (docs/evolution.md).\n";

    public static int Run(ToolArguments args, TextWriter output)
    {
        if (args.Flag("help"))
        {
            output.Write(Help);
            return ExitCodes.Success;
        }

        bool references = args.Flag("references");
        string? file = args.Option("output");
        args.RejectUnknown("asyncapi");
        if (args.Words.Count != 2)
        {
            throw new UsageException(args.Words.Count < 2 ? "Usage: contracts asyncapi <assembly.dll> [--references] [--output <file>]" : $"'{args.Words[2]}' is one word too many. Usage: contracts asyncapi <assembly.dll> [--references] [--output <file>]");
        }

        if (file is { Length: 0 })
        {
            throw new UsageException("Option --output needs a file name.");
        }

        CatalogView catalog = CatalogReader.Read(args.Words[1], references);
        string version = AssemblyName.GetAssemblyName(Path.GetFullPath(args.Words[1])).Version?.ToString(3) ?? "0.0.0";
        string document = AsyncApiDocument.Write(catalog, version);
        if (file is null)
        {
            output.Write(document);
            return ExitCodes.Success;
        }

        string full = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, document, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.WriteLine($"Wrote the AsyncAPI 3.0 document of {catalog.Assembly} ({catalog.Contracts.Count} contracts, {catalog.Handlers.Count} handled messages) to {full}");
        return ExitCodes.Success;
    }
}
