using System;
using System.Collections.Generic;
using System.Reflection;
using Contracts.Tool.Output;

namespace Contracts.Tool.Catalog;

/// <summary>
/// A contract type's kind, query result and wire members, read from metadata. The members follow the generator's rule
/// (src/Shared/Rules/ObjectShapeBuilder.cs), restated here over reflection: public instance properties with a getter,
/// base types first; the constructor with the most parameters that all name properties; a member is on the wire when a
/// constructor parameter binds it or it has a public setter; constructor-bound members first in parameter order, then
/// the rest in declaration order; <c>[MemberIndex]</c> pins a position and the others fill the gaps in order. The
/// tool's tests hold this to the generated formatter (they read the bytes it writes).
/// </summary>
internal static class ContractShape
{
    private const string RuntimeNamespace = "Contracts";

    public static ContractView Describe(Type type, string name, int version, string assembly)
    {
        string kind = "unknown";
        foreach (CustomAttributeData attribute in type.GetCustomAttributesData())
        {
            if (attribute.AttributeType.Namespace == RuntimeNamespace)
            {
                kind = attribute.AttributeType.Name switch
                {
                    "CommandAttribute" => "command",
                    "EventAttribute" => "event",
                    "QueryAttribute" => "query",
                    _ => kind,
                };
            }
        }

        string? result = null;
        foreach (Type implemented in type.GetInterfaces())
        {
            if (implemented.IsGenericType && implemented.GetGenericTypeDefinition().FullName == "Contracts.IQuery`1")
            {
                result = TypeNames.CSharp(implemented.GetGenericArguments()[0]);
            }
        }

        List<Member> members = Members(type);
        var views = new List<MemberView>(members.Count);
        var key = new List<string>();
        var nullability = new NullabilityInfoContext();
        foreach (Member member in members)
        {
            Type memberType = member.Property.PropertyType;
            // A nullable reference (string?) is written as nil when null; a value type says so in its type (int?).
            string nullable = !memberType.IsValueType && nullability.Create(member.Property).ReadState == NullabilityState.Nullable ? "?" : "";
            views.Add(new MemberView(member.Index, member.Property.Name, TypeNames.CSharp(memberType) + nullable, TypeNames.Wire(memberType) + nullable, member.IsKey));
            if (member.IsKey)
            {
                key.Add(member.Property.Name);
            }
        }

        return new ContractView(name, version, kind, TypeNames.CSharp(type), result, key, views, assembly);
    }

    private sealed class Member(PropertyInfo property, ParameterInfo? parameter)
    {
        public PropertyInfo Property { get; } = property;

        public ParameterInfo? Parameter { get; } = parameter;

        public int Index { get; set; } = -1;

        public bool IsKey { get; set; }
    }

    private static List<Member> Members(Type type)
    {
        var properties = new List<PropertyInfo>();
        AddProperties(type, properties);
        ParameterInfo[] parameters = Constructor(type, properties);
        var ordered = new List<Member>(properties.Count);
        bool anyPinned = false;
        foreach (PropertyInfo property in properties)
        {
            ParameterInfo? parameter = null;
            foreach (ParameterInfo candidate in parameters)
            {
                if (string.Equals(candidate.Name, property.Name, StringComparison.OrdinalIgnoreCase))
                {
                    parameter = candidate;
                }
            }

            if (parameter is null && property.SetMethod is not { IsPublic: true })
            {
                continue; // Computed or get-only: not on the wire.
            }

            var member = new Member(property, parameter);
            int? pinned = null;
            Attributes(property.GetCustomAttributesData(), member, ref pinned);
            if (parameter is not null)
            {
                Attributes(parameter.GetCustomAttributesData(), member, ref pinned);
            }

            if (pinned is { } index)
            {
                anyPinned = true;
                member.Index = index;
            }

            ordered.Add(member);
        }

        // A stable sort by constructor parameter position; members no parameter binds keep their order, after them.
        var byPosition = new List<(int Position, int Order, Member Member)>(ordered.Count);
        for (int i = 0; i < ordered.Count; i++)
        {
            byPosition.Add((ordered[i].Parameter?.Position ?? int.MaxValue, i, ordered[i]));
        }

        byPosition.Sort(static (a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : a.Order.CompareTo(b.Order));
        ordered.Clear();
        foreach ((int _, int _, Member member) in byPosition)
        {
            ordered.Add(member);
        }

        if (!anyPinned)
        {
            for (int i = 0; i < ordered.Count; i++)
            {
                ordered[i].Index = i;
            }

            return ordered;
        }

        var taken = new HashSet<int>();
        foreach (Member member in ordered)
        {
            if (member.Index >= 0)
            {
                taken.Add(member.Index);
            }
        }

        int next = 0;
        foreach (Member member in ordered)
        {
            if (member.Index < 0)
            {
                while (taken.Contains(next))
                {
                    next++;
                }

                member.Index = next;
                taken.Add(next);
            }
        }

        ordered.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return ordered;
    }

    private static void Attributes(IList<CustomAttributeData> attributes, Member member, ref int? pinned)
    {
        foreach (CustomAttributeData attribute in attributes)
        {
            if (attribute.AttributeType.Namespace != RuntimeNamespace)
            {
                continue;
            }

            if (attribute.AttributeType.Name == "IdempotencyKeyAttribute")
            {
                member.IsKey = true;
            }
            else if (attribute.AttributeType.Name == "MemberIndexAttribute" && pinned is null && attribute.ConstructorArguments is [{ Value: int index }])
            {
                pinned = index;
            }
        }
    }

    /// <summary>Public instance properties with a getter, base types first, not overrides, one per name.</summary>
    private static void AddProperties(Type type, List<PropertyInfo> properties)
    {
        if (type.BaseType is { } baseType && baseType.FullName != "System.Object")
        {
            AddProperties(baseType, properties);
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (property.GetMethod is not { IsPublic: true } getter || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            bool isOverride = getter.IsVirtual && getter.GetBaseDefinition().DeclaringType != getter.DeclaringType;
            if (!isOverride && !properties.Exists(p => p.Name == property.Name))
            {
                properties.Add(property);
            }
        }
    }

    /// <summary>The parameters of the constructor with the most parameters that all name properties (the first of equals).</summary>
    private static ParameterInfo[] Constructor(Type type, List<PropertyInfo> properties)
    {
        ParameterInfo[] best = [];
        bool found = false;
        foreach (ConstructorInfo constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            if (!constructor.IsPublic && !constructor.IsAssembly)
            {
                continue;
            }

            ParameterInfo[] parameters = constructor.GetParameters();
            if (parameters.Length == 1 && parameters[0].ParameterType == type)
            {
                continue; // The record copy constructor.
            }

            bool binds = true;
            foreach (ParameterInfo parameter in parameters)
            {
                binds &= !parameter.ParameterType.IsByRef && properties.Exists(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) && p.PropertyType == parameter.ParameterType);
            }

            if (binds && (!found || parameters.Length > best.Length))
            {
                best = parameters;
                found = true;
            }
        }

        return best;
    }
}
