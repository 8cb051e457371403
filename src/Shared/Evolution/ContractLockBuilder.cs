using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>A contract's <see cref="LockedContract"/> from its checked wire shape (<see cref="ObjectShapeBuilder"/>): what the lock file would record for it today.</summary>
internal static class ContractLockBuilder
{
    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None)
        .WithGenericsOptions(SymbolDisplayGenericsOptions.None);

    public static LockedContract Build(INamedTypeSymbol type, ContractKind kind, ObjectShape shape)
    {
        (string name, int version) = ContractKinds.NameAndVersion(type);
        var contract = new LockedContract(name, version, KindName(kind), TypeName(type));
        foreach (MemberShape member in shape.Members)
        {
            contract.Members.Add(new LockedMember(member.Index, member.Property.Name, Wire(member.Type), IsRequired(member), member.IsKey, retired: false));
        }

        return contract;
    }

    public static string KindName(ContractKind kind) => kind switch
    {
        ContractKind.Command => "command",
        ContractKind.Event => "event",
        _ => "query",
    };

    /// <summary>The CLR type as the lock file records it: namespace and containing types, no <c>global::</c>.</summary>
    public static string TypeName(INamedTypeSymbol type) => type.ToDisplayString(s_typeFormat);

    /// <summary>The wire type's name (<see cref="WireTypeNames"/>).</summary>
    public static string Wire(TypeShape shape)
    {
        var text = new StringBuilder();
        Append(text, shape);
        return text.ToString();
    }

    private static void Append(StringBuilder text, TypeShape shape)
    {
        switch (shape.Kind)
        {
            case WireKind.Nullable:
                Append(text, shape.Arguments[0]);
                text.Append('?');
                return;
            case WireKind.Array or WireKind.List or WireKind.ReadOnlyList or WireKind.ImmutableArray:
                text.Append("array<");
                Append(text, shape.Arguments[0]);
                text.Append('>');
                break;
            case WireKind.Dictionary or WireKind.ReadOnlyDictionary:
                text.Append("map<");
                Append(text, shape.Arguments[0]);
                text.Append(',');
                Append(text, shape.Arguments[1]);
                text.Append('>');
                break;
            case WireKind.Enum:
                text.Append("enum<").Append(EnumUnderlying(shape.EnumUnderlying)).Append('>');
                break;
            case WireKind.Object:
                text.Append("object<").Append(shape.Type is INamedTypeSymbol named ? TypeName(named) : shape.Type.Name).Append('>');
                break;
            default:
                text.Append(WireTypeNames.Scalar(shape.Kind) ?? "unsupported");
                break;
        }

        // A reference type may be written as nil unless it is declared not nullable (a #nullable disable context promises nothing).
        if (shape.Type.IsReferenceType && shape.Type.NullableAnnotation != NullableAnnotation.NotAnnotated)
        {
            text.Append('?');
        }
    }

    private static string EnumUnderlying(SpecialType type) => type switch
    {
        SpecialType.System_Byte => "uint8",
        SpecialType.System_SByte => "int8",
        SpecialType.System_Int16 => "int16",
        SpecialType.System_UInt16 => "uint16",
        SpecialType.System_UInt32 => "uint32",
        SpecialType.System_Int64 => "int64",
        SpecialType.System_UInt64 => "uint64",
        _ => "int32",
    };

    /// <summary>
    /// Required: a message without the member cannot be read as meant. Its type is not nullable, and it has no default
    /// (no constructor parameter default, no property initializer), or it is a C# <c>required</c> member.
    /// </summary>
    private static bool IsRequired(MemberShape member)
    {
        if (member.Property.IsRequired)
        {
            return true;
        }

        ITypeSymbol type = member.Property.Type;
        bool nullable = type.IsReferenceType
            ? type.NullableAnnotation != NullableAnnotation.NotAnnotated
            : type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
        if (nullable)
        {
            return false;
        }

        if (member.Parameter is { } parameter)
        {
            return !parameter.HasExplicitDefaultValue;
        }

        foreach (SyntaxReference reference in member.Property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is PropertyDeclarationSyntax { Initializer: not null })
            {
                return false;
            }
        }

        return true;
    }
}
