using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>A saga's state, turned into specs by the same rules as a contract member's type.</summary>
internal static partial class ContractParser
{
    /// <summary>The spec of <paramref name="shape"/> (a checked type without problems) and the formatters it needs.</summary>
    public static (TypeSpec Type, EquatableArray<ObjectSpec> Objects, EquatableArray<EnumSpec> Enums) StateSpec(TypeShape shape, Compilation compilation, CancellationToken cancellationToken)
    {
        var nested = new Nested();
        TypeSpec type = ToSpec(shape, nested, compilation, cancellationToken);
        return (type, nested.ToSortedArray(), nested.ToSortedEnums());
    }
}
