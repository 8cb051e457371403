using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Contracts.Testing;

/// <summary>
/// The metadata references test compilations build against: the local SDK's reference pack (its newest 10.0
/// patch; nothing is downloaded while tests run) plus the Contracts runtime and what its API exposes.
/// Linked into the generator and analyzer test projects.
/// </summary>
internal static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_all = new(Load);

    public static ImmutableArray<MetadataReference> All => s_all.Value;

    private static ImmutableArray<MetadataReference> Load()
    {
        ImmutableArray<MetadataReference>.Builder references = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (string file in Directory.GetFiles(ReferencePackDirectory(), "*.dll").Order(StringComparer.Ordinal))
        {
            references.Add(MetadataReference.CreateFromFile(file));
        }

        foreach (Assembly assembly in new[]
                 {
                     typeof(CommandAttribute).Assembly,
                     typeof(MessagePack.MessagePackWriter).Assembly,
                     typeof(MessagePack.MessagePackObjectAttribute).Assembly,
                     typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly,
                     typeof(Microsoft.Extensions.Configuration.IConfiguration).Assembly,
                 })
        {
            references.Add(MetadataReference.CreateFromFile(assembly.Location));
        }

        return references.ToImmutable();
    }

    private static string ReferencePackDirectory()
    {
        // The running runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the reference pack in <root>/packs.
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var roots = new List<string> { Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..")) };
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            roots.Add(root);
        }

        roots.Add("/usr/share/dotnet");
        foreach (string candidate in roots)
        {
            string packs = Path.Combine(candidate, "packs", "Microsoft.NETCore.App.Ref");
            if (!Directory.Exists(packs))
            {
                continue;
            }

            string? newest = Directory.GetDirectories(packs, "10.0.*")
                .Where(d => Directory.Exists(Path.Combine(d, "ref", "net10.0")))
                .OrderBy(d => Version.TryParse(Path.GetFileName(d), out Version? v) ? v : new Version(0, 0), Comparer<Version>.Default)
                .LastOrDefault();
            if (newest is not null)
            {
                return Path.Combine(newest, "ref", "net10.0");
            }
        }

        throw new InvalidOperationException($"No Microsoft.NETCore.App.Ref 10.0.* reference pack found under: {string.Join(", ", roots)}");
    }
}
