using System.ComponentModel;

namespace Contracts;

/// <summary>Implemented by every generated contract. Use the derived markers in constraints.</summary>
public interface IMessage
{
    /// <summary>The contract metadata of this message's type (generated).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ContractDescriptor Descriptor { get; }
}
