using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Contracts.Tool.Output;

/// <summary>The tool's JSON, generated at compile time: camelCase, indented, nulls left out.</summary>
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
internal sealed partial class ToolJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the tool writes with: quotes, angle brackets and non-ASCII text as they are (the output goes to a
    /// terminal or a script, never into HTML), so <c>List&lt;int&gt;</c> reads as such in a message or a type name.
    /// </summary>
    public static ToolJsonContext Tool { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
