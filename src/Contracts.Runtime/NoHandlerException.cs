using System;

namespace Contracts;

/// <summary>Thrown when a command or query has no handler registered in the running process.</summary>
public sealed class NoHandlerException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="contract"/>.</summary>
    /// <param name="contract">The contract without a handler.</param>
    public NoHandlerException(ContractDescriptor contract)
        : base($"No handler is registered for {contract.Kind.ToString().ToLowerInvariant()} '{contract}'. " +
               $"Add a class that implements the handler interface for {contract.ClrType.Name} in an assembly the host references, " +
               "so the generator wires it.")
    {
        Contract = contract;
    }

    /// <summary>Creates the exception for <paramref name="contract"/> with a transport's own explanation.</summary>
    /// <param name="contract">The contract without a handler.</param>
    /// <param name="message">Why no handler was reached.</param>
    public NoHandlerException(ContractDescriptor contract, string message)
        : base(message)
    {
        Contract = contract;
    }

    /// <summary>The contract without a handler.</summary>
    public ContractDescriptor Contract { get; }
}
