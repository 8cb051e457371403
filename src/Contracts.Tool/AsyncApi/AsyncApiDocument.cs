using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Contracts.Tool.Output;

namespace Contracts.Tool.AsyncApi;

/// <summary>
/// The AsyncAPI 3.0 document of a catalog (<see cref="CatalogView"/>, what <c>contracts catalog</c> reads from the
/// generated module and the contract types): a channel per contract address (where it is sent or published) and per
/// event subscription (<c>address/Handler</c>), a message per contract with its headers and payload schema, a
/// <c>send</c> operation per contract and a <c>receive</c> operation per handler. Written as JSON (which is YAML), keys
/// in catalog order (sorted), LF line endings: the same assembly gives the same bytes.
/// </summary>
internal static class AsyncApiDocument
{
    /// <summary>The content type of a payload: the envelope codec's.</summary>
    public const string ContentType = "application/vnd.contracts+msgpack";

    public static string Write(CatalogView catalog, string version)
    {
        var contracts = new List<ContractView>(catalog.Contracts);
        contracts.Sort(static (a, b) => string.CompareOrdinal(MessageId(a), MessageId(b)));
        var handlers = new List<HandlerView>(catalog.Handlers);
        handlers.Sort(static (a, b) => string.CompareOrdinal(a.Handler + "\n" + a.Message, b.Handler + "\n" + b.Message));

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("asyncapi", "3.0.0");
            json.WriteStartObject("info");
            json.WriteString("title", catalog.Assembly);
            json.WriteString("version", version);
            json.WriteString("description", $"The contracts of {catalog.Assembly} and the messages its handlers receive, written by `contracts asyncapi` from the compiled catalog. Payloads are MessagePack arrays, one item per member at its wire index (docs/evolution.md).");
            json.WriteEndObject();
            json.WriteString("defaultContentType", ContentType);

            json.WriteStartObject("channels");
            foreach (ContractView contract in contracts)
            {
                WriteChannel(json, ChannelId(contract, null), Address(contract), contract, $"Where {contract.Kind} {contract.Name} v{Text(contract.Version)} is sent.");
                foreach (HandlerView handler in handlers)
                {
                    if (contract.Kind == "event" && Handles(handler, contract))
                    {
                        WriteChannel(json, ChannelId(contract, handler), Address(contract) + "/" + handler.Handler, contract, $"The subscription of {handler.Handler} to {contract.Name} v{Text(contract.Version)}.");
                    }
                }
            }

            json.WriteEndObject();

            json.WriteStartObject("operations");
            foreach (ContractView contract in contracts)
            {
                WriteOperation(json, "send." + MessageId(contract), "send", ChannelId(contract, null), contract, $"Send {contract.Name} v{Text(contract.Version)}.");
                foreach (HandlerView handler in handlers)
                {
                    if (Handles(handler, contract))
                    {
                        string channel = contract.Kind == "event" ? ChannelId(contract, handler) : ChannelId(contract, null);
                        WriteOperation(json, "receive." + MessageId(contract) + "." + Id(handler.Handler), "receive", channel, contract, $"{handler.Handler} handles {contract.Name} v{Text(contract.Version)}.");
                    }
                }
            }

            json.WriteEndObject();

            json.WriteStartObject("components");
            json.WriteStartObject("messages");
            foreach (ContractView contract in contracts)
            {
                WriteMessage(json, contract);
            }

            json.WriteEndObject();
            json.WriteStartObject("schemas");
            foreach (ContractView contract in contracts)
            {
                WritePayload(json, contract);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static bool Handles(HandlerView handler, ContractView contract) =>
        handler.Contract == contract.Name && handler.Version == contract.Version;

    /// <summary>The address the runtime gives the contract's endpoint (TransportEndpoint.AddressOf): the name, with <c>.vN</c> after version 1.</summary>
    private static string Address(ContractView contract) => contract.Version == 1 ? contract.Name : contract.Name + ".v" + Text(contract.Version);

    private static string MessageId(ContractView contract) => Id(contract.Name) + ".v" + Text(contract.Version);

    private static string ChannelId(ContractView contract, HandlerView? subscriber) =>
        subscriber is null ? MessageId(contract) : MessageId(contract) + "." + Id(subscriber.Handler);

    /// <summary>A component key (AsyncAPI allows letters, digits, '.', '-' and '_').</summary>
    private static string Id(string text)
    {
        var id = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            id.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_' ? c : '_');
        }

        return id.ToString();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void WriteChannel(Utf8JsonWriter json, string id, string address, ContractView contract, string description)
    {
        json.WriteStartObject(id);
        json.WriteString("address", address);
        json.WriteString("description", description);
        json.WriteStartObject("messages");
        json.WriteStartObject(MessageId(contract));
        json.WriteString("$ref", "#/components/messages/" + MessageId(contract));
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteOperation(Utf8JsonWriter json, string id, string action, string channel, ContractView contract, string summary)
    {
        json.WriteStartObject(id);
        json.WriteString("action", action);
        json.WriteString("summary", summary);
        json.WriteStartObject("channel");
        json.WriteString("$ref", "#/channels/" + channel);
        json.WriteEndObject();
        json.WriteStartArray("messages");
        json.WriteStartObject();
        json.WriteString("$ref", "#/channels/" + channel + "/messages/" + MessageId(contract));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, ContractView contract)
    {
        json.WriteStartObject(MessageId(contract));
        json.WriteString("name", contract.Name);
        json.WriteString("title", contract.Type);
        json.WriteString("summary", $"{contract.Kind} {contract.Name} v{Text(contract.Version)}" + (contract.Result is null ? "" : $", answered with {contract.Result}"));
        json.WriteString("contentType", ContentType);
        json.WriteStartObject("headers");
        json.WriteString("type", "object");
        json.WriteStartArray("required");
        json.WriteStringValue("contracts-contract");
        json.WriteStringValue("contracts-version");
        json.WriteStringValue("contracts-message-id");
        json.WriteEndArray();
        json.WriteStartObject("properties");
        json.WriteStartObject("contracts-contract");
        json.WriteString("type", "string");
        json.WriteString("const", contract.Name);
        json.WriteEndObject();
        json.WriteStartObject("contracts-version");
        json.WriteString("type", "string");
        json.WriteString("const", Text(contract.Version));
        json.WriteEndObject();
        json.WriteStartObject("contracts-message-id");
        json.WriteString("type", "string");
        json.WriteString("format", "uuid");
        json.WriteEndObject();
        if (contract.IdempotencyKey.Count > 0)
        {
            json.WriteStartObject("contracts-idempotency-key");
            json.WriteString("type", "string");
            json.WriteString("description", "From " + string.Join(", ", contract.IdempotencyKey) + ".");
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartObject("payload");
        json.WriteString("$ref", "#/components/schemas/" + MessageId(contract));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The payload: a MessagePack array, each member's schema at its index (an unused index is nil).</summary>
    private static void WritePayload(Utf8JsonWriter json, ContractView contract)
    {
        int length = 0;
        foreach (MemberView member in contract.Members)
        {
            length = Math.Max(length, member.Index + 1);
        }

        json.WriteStartObject(MessageId(contract));
        json.WriteString("type", "array");
        json.WriteString("description", $"{contract.Type} as a MessagePack array of {Text(length)} items; readers skip items past the ones they know and default the ones missing.");
        json.WriteStartArray("items");
        for (int i = 0; i < length; i++)
        {
            MemberView? member = null;
            foreach (MemberView m in contract.Members)
            {
                member = m.Index == i ? m : member;
            }

            json.WriteStartObject();
            if (member is null)
            {
                json.WriteString("type", "null");
                json.WriteString("description", $"Index {Text(i)} is unused (written as nil).");
            }
            else
            {
                json.WriteString("title", member.Name);
                WireSchema(json, member.Wire);
                json.WriteString("description", $"Index {Text(i)}: {member.Name} ({member.Type}){(member.Key ? ", part of the idempotency key" : "")}.");
                json.WriteString("x-contracts-wire", member.Wire);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The JSON Schema keywords of a wire type where MessagePack's form is plain; the others carry only x-contracts-wire.</summary>
    private static void WireSchema(Utf8JsonWriter json, string wire)
    {
        bool nullable = wire.EndsWith('?');
        string bare = nullable ? wire[..^1] : wire;
        string? type = bare switch
        {
            "bool" => "boolean",
            "int8" or "uint8" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "uint64" => "integer",
            "float32" or "float64" => "number",
            "string" => "string",
            _ when bare.StartsWith("array<", StringComparison.Ordinal) => "array",
            _ when bare.StartsWith("map<", StringComparison.Ordinal) => "object",
            _ => null,
        };
        if (type is null)
        {
            return;
        }

        if (nullable)
        {
            json.WriteStartArray("type");
            json.WriteStringValue(type);
            json.WriteStringValue("null");
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("type", type);
        }

        if (type is "integer" or "number")
        {
            json.WriteString("format", bare);
        }
    }
}
