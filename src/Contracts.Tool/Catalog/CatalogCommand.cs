using System.Globalization;
using System.IO;
using System.Text.Json;
using Contracts.Tool.Output;

namespace Contracts.Tool.Catalog;

/// <summary><c>contracts catalog &lt;assembly.dll&gt;</c>.</summary>
internal static class CatalogCommand
{
    public const string Help =
        "contracts catalog <assembly.dll> [--references] [--json]\n" +
        "\n" +
        "The contracts of a compiled assembly (wire name, version, kind, members with their wire index and type,\n" +
        "idempotency key) and its handlers. The assembly is read as metadata: none of its code runs. Its references are\n" +
        "looked for beside it, so point at the build output (bin/<configuration>/<framework>/Name.dll).\n" +
        "--references adds the contracts and handlers of the assemblies it references (those beside it): what a host\n" +
        "built from references projects knows.\n";

    public static int Run(ToolArguments args, TextWriter output)
    {
        if (args.Flag("help"))
        {
            output.Write(Help);
            return ExitCodes.Success;
        }

        bool json = args.Flag("json");
        bool references = args.Flag("references");
        args.RejectUnknown("catalog");
        if (args.Words.Count != 2)
        {
            throw new UsageException(args.Words.Count < 2 ? "Usage: contracts catalog <assembly.dll> [--json]" : $"'{args.Words[2]}' is one word too many. Usage: contracts catalog <assembly.dll> [--json]");
        }

        CatalogView catalog = CatalogReader.Read(args.Words[1], references);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(catalog, ToolJsonContext.Tool.CatalogView));
            return ExitCodes.Success;
        }

        output.WriteLine($"Assembly {catalog.Assembly} ({catalog.Path})");
        output.WriteLine();
        if (catalog.Contracts.Count == 0)
        {
            output.WriteLine("No contracts.");
        }
        else
        {
            TextTable table = references
                ? new TextTable("CONTRACT", "VERSION", "KIND", "TYPE", "RESULT", "IDEMPOTENCY KEY", "ASSEMBLY")
                : new TextTable("CONTRACT", "VERSION", "KIND", "TYPE", "RESULT", "IDEMPOTENCY KEY");
            foreach (ContractView contract in catalog.Contracts)
            {
                string[] cells =
                [
                    contract.Name,
                    contract.Version.ToString(CultureInfo.InvariantCulture),
                    contract.Kind,
                    contract.Type,
                    contract.Result ?? "",
                    contract.IdempotencyKey.Count == 0 ? "(message id)" : string.Join(", ", contract.IdempotencyKey),
                ];
                table.Add(references ? [.. cells, contract.Assembly] : cells);
            }

            table.WriteTo(output);
            foreach (ContractView contract in catalog.Contracts)
            {
                output.WriteLine();
                output.WriteLine($"{contract.Name} v{contract.Version} ({contract.Kind} {contract.Type})");
                var members = new TextTable("INDEX", "MEMBER", "TYPE", "WIRE", "KEY");
                foreach (MemberView member in contract.Members)
                {
                    members.Add(member.Index.ToString(CultureInfo.InvariantCulture), member.Name, member.Type, member.Wire, member.Key ? "key" : "");
                }

                if (members.Count == 0)
                {
                    output.WriteLine("  (no members)");
                }
                else
                {
                    members.WriteTo(output);
                }
            }
        }

        output.WriteLine();
        if (catalog.Handlers.Count == 0)
        {
            output.WriteLine("No handlers.");
            return ExitCodes.Success;
        }

        TextTable handlers = references
            ? new TextTable("HANDLER", "KIND", "MESSAGE", "CONTRACT", "ASSEMBLY")
            : new TextTable("HANDLER", "KIND", "MESSAGE", "CONTRACT");
        foreach (HandlerView handler in catalog.Handlers)
        {
            string contract = handler.Contract is null ? "(not beside the assembly)" : $"{handler.Contract} v{handler.Version}";
            handlers.Add(references ? [handler.Handler, handler.Kind, handler.Message, contract, handler.Assembly] : [handler.Handler, handler.Kind, handler.Message, contract]);
        }

        handlers.WriteTo(output);
        return ExitCodes.Success;
    }
}
