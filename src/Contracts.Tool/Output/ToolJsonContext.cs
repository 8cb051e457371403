using System.Text.Json.Serialization;

namespace Contracts.Tool.Output;

/// <summary>The tool's JSON, generated at compile time: camelCase, indented, enums as strings, nulls left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadLetterListView))]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(ReplayView))]
[JsonSerializable(typeof(PurgeView))]
[JsonSerializable(typeof(CatalogView))]
[JsonSerializable(typeof(ErrorView))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;
