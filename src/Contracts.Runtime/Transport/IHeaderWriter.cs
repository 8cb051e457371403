using System.ComponentModel;

namespace Contracts.Transport;

/// <summary>Writes <see cref="EnvelopeHeaders"/> (and application headers) onto a transport's native message.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IHeaderWriter
{
    /// <summary>Sets one header; a transport may map some names to native properties (a message id, a content type).</summary>
    /// <param name="name">An <see cref="EnvelopeHeaders"/> name or an application header's name.</param>
    /// <param name="value">The value as text.</param>
    void Set(string name, string value);
}
