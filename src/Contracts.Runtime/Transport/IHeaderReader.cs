using System.Collections.Generic;
using System.ComponentModel;

namespace Contracts.Transport;

/// <summary>A transport's native headers seen under <see cref="EnvelopeHeaders"/> names, as text.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IHeaderReader
{
    /// <summary>The header's value as text (numbers in invariant culture), or <see langword="null"/> when absent.</summary>
    /// <param name="name">An <see cref="EnvelopeHeaders"/> name or an application header's name.</param>
    /// <returns>The value.</returns>
    string? Get(string name);

    /// <summary>Every header the message carries, as text: the codec keeps those that are not the envelope's own as application headers.</summary>
    /// <returns>The headers.</returns>
    IEnumerable<KeyValuePair<string, string>> All();
}
