using System.Collections.Generic;
using System.Collections.Immutable;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>
/// Reads a contract's [UpcastFrom(typeof(Older))] attributes: each must name a valid contract of the same kind and wire
/// name and a lower version (CTR049 otherwise, and that upcast is not generated). A member of the newer contract copies
/// the older member of the same name when its type takes the older one's without a cast (the same type, a wider number,
/// a value made nullable); every other member takes its default, and the user's OnUpcast finishes the job.
/// </summary>
internal static class UpcastParser
{
    public static EquatableArray<UpcastSpec> Parse(INamedTypeSymbol type, ContractKind kind, string wireName, int version, ObjectShape shape, Compilation compilation, List<DiagnosticInfo> diagnostics)
    {
        List<UpcastSpec>? upcasts = null;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { Name: WellKnownNames.UpcastFromAttributeName } c || !WellKnownNames.IsRuntimeType(c)
                || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol older)
            {
                continue;
            }

            string? problem = Problem(type, kind, wireName, version, older, compilation, out ObjectShape? olderShape, out int olderVersion);
            if (problem is not null || olderShape is null)
            {
                Location location = attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? Locations.Of(null, type);
                diagnostics.Add(new DiagnosticInfo(DiagnosticIds.BadUpcast, LocationInfo.From(location), new EquatableArray<string>(ImmutableArray.Create(problem ?? "it has no wire shape")), null));
                continue;
            }

            ImmutableArray<string>.Builder sources = ImmutableArray.CreateBuilder<string>(shape.Members.Count);
            foreach (MemberShape member in shape.Members)
            {
                sources.Add(Source(member, olderShape, compilation));
            }

            (upcasts ??= new List<UpcastSpec>(1)).Add(new UpcastSpec(TypeNames.Qualified(older), olderVersion, new EquatableArray<string>(sources.MoveToImmutable())));
        }

        if (upcasts is null)
        {
            return EquatableArray<UpcastSpec>.Empty;
        }

        upcasts.Sort(static (a, b) => a.OlderVersion.CompareTo(b.OlderVersion));
        return new EquatableArray<UpcastSpec>(ImmutableArray.CreateRange(upcasts));
    }

    /// <summary>
    /// The older versions <paramref name="type"/> upcasts from and their members' types, whose declarations a kept parse of
    /// it depends on: the member copies are chosen by how those types convert.
    /// </summary>
    public static void AddDependencies(INamedTypeSymbol type, ParseDependencies dependencies)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { Name: WellKnownNames.UpcastFromAttributeName }
                || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol older)
            {
                continue;
            }

            dependencies.Add(older);
            for (INamedTypeSymbol? t = older; t is not null; t = t.BaseType)
            {
                foreach (ISymbol member in t.GetMembers())
                {
                    if (member is IPropertySymbol property)
                    {
                        dependencies.Add(property.Type);
                    }
                }
            }
        }
    }

    private static string? Problem(INamedTypeSymbol type, ContractKind kind, string wireName, int version, INamedTypeSymbol older, Compilation compilation, out ObjectShape? olderShape, out int olderVersion)
    {
        olderShape = null;
        olderVersion = 0;
        string name = $"[UpcastFrom(typeof({older.Name}))] on '{type.Name}'";
        if (kind == ContractKind.Query)
        {
            return $"{name}: a query is answered by the version it was sent as, so it is not upcast; upcast commands and events";
        }

        if (ContractKinds.KindOf(older, out _) is not { } olderKind)
        {
            return $"{name}: '{older.Name}' is not a contract; name the older version's [{KindName(kind)}] type";
        }

        (string olderName, int olderNumber) = ContractKinds.NameAndVersion(older);
        olderVersion = olderNumber;
        if (olderKind != kind)
        {
            return $"{name}: '{older.Name}' is a{(olderKind == ContractKind.Event ? "n" : "")} {KindName(olderKind).ToLowerInvariant()} and '{type.Name}' a{(kind == ContractKind.Event ? "n" : "")} {KindName(kind).ToLowerInvariant()}; an older version has the same kind";
        }

        if (olderName != wireName || olderNumber >= version)
        {
            return $"{name}: '{older.Name}' is '{olderName}' v{olderNumber} and '{type.Name}' is '{wireName}' v{version}; an older version has the same wire name and a lower version";
        }

        if (older.Locations.Length > 0 && older.Locations[0].IsInMetadata)
        {
            return !ContractValidity.IsValidContract(older, compilation)
                ? $"{name}: '{older.Name}' is not a generated contract"
                : $"{name}: '{older.Name}' is compiled in another assembly; declare the older version beside the newer one";
        }

        if (ContractValidity.Analyze(older, compilation, out olderShape).Count > 0)
        {
            olderShape = null;
            return $"{name}: '{older.Name}' has errors of its own";
        }

        return null;
    }

    private static string KindName(ContractKind kind) => kind switch
    {
        ContractKind.Command => "Command",
        ContractKind.Event => "Event",
        _ => "Query",
    };

    /// <summary>The older member to copy into <paramref name="member"/>, or empty: same name, and a type that converts without a cast.</summary>
    private static string Source(MemberShape member, ObjectShape older, Compilation compilation)
    {
        foreach (MemberShape candidate in older.Members)
        {
            if (candidate.Property.Name != member.Property.Name)
            {
                continue;
            }

            Microsoft.CodeAnalysis.Operations.CommonConversion conversion = compilation.ClassifyCommonConversion(candidate.Property.Type, member.Property.Type);
            return conversion.Exists && conversion.IsImplicit && !conversion.IsUserDefined ? candidate.Property.Name : "";
        }

        return "";
    }
}
