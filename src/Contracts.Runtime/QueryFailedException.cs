using System;

namespace Contracts;

/// <summary>Thrown to the caller of a query whose handler, in another process, failed.</summary>
public sealed class QueryFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The query's contract.</param>
    /// <param name="errorType">The full name of the handler's exception type.</param>
    /// <param name="errorMessage">The handler's exception message.</param>
    public QueryFailedException(ContractDescriptor contract, string errorType, string errorMessage)
        : base($"The handler of query '{contract}' failed with {errorType}: {errorMessage}")
    {
        Contract = contract;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
    }

    /// <summary>The query's contract.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>The full name of the handler's exception type.</summary>
    public string ErrorType { get; }

    /// <summary>The handler's exception message.</summary>
    public string ErrorMessage { get; }
}
