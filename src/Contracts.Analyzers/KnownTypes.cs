using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>The Contracts and framework types the analyzers compare against, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    private KnownTypes(Compilation compilation, INamedTypeSymbol idempotent)
    {
        Idempotent = idempotent;
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        AsyncEnumerable = compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerable`1");
    }

    public INamedTypeSymbol Idempotent { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? AsyncEnumerable { get; }

    /// <summary>The known types, or null when the compilation does not reference Contracts (every analyzer then does nothing).</summary>
    public static KnownTypes? Create(Compilation compilation)
    {
        if (compilation.GetTypeByMetadataName(WellKnownNames.CommandAttribute) is null
            || compilation.GetTypeByMetadataName(WellKnownNames.CommandHandler) is null
            || compilation.GetTypeByMetadataName(WellKnownNames.EventHandler) is null
            || compilation.GetTypeByMetadataName(WellKnownNames.QueryHandler) is null
            || compilation.GetTypeByMetadataName(WellKnownNames.IdempotentAttribute) is not { } idempotent)
        {
            return null;
        }

        return new KnownTypes(compilation, idempotent);
    }

    /// <summary>Whether <paramref name="type"/> is Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        INamedTypeSymbol definition = named.OriginalDefinition;
        return Is(definition, Task) || Is(definition, TaskOfT) || Is(definition, ValueTask) || Is(definition, ValueTaskOfT);
    }

    public static bool Is(ITypeSymbol? type, ITypeSymbol? known) => known is not null && SymbolEqualityComparer.Default.Equals(type, known);
}
