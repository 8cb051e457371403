using System;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit.WireTypes;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>A new wire kind cannot be half added: both per-kind tables must list it.</summary>
public sealed class WireTypeTableTests
{
    [Fact]
    public void Every_wire_kind_has_an_emit_row_and_a_rules_row()
    {
        WireKind[] kinds = Enum.GetValues<WireKind>();
        Assert.DoesNotContain(kinds, static k => !WireTypeTable.Lists(k));
        Assert.DoesNotContain(kinds, static k => !WireKinds.Lists(k));
    }
}
