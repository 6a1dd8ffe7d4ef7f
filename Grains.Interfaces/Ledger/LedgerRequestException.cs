namespace OrleansGoRelay.Grains.Ledger;

/// <summary>A malformed ledger request (answered 400 with <see cref="LedgerProblem.Code"/>); nothing was stored.</summary>
public sealed class LedgerRequestException : Exception
{
    /// <summary>A malformed request, at an index of a batch when known.</summary>
    public LedgerRequestException(LedgerProblem problem, int? index)
        : base(index is { } i ? $"Item {i}: {problem?.Detail}" : problem?.Detail)
    {
        Problem = problem ?? throw new ArgumentNullException(nameof(problem));
        Index = index;
    }

    /// <summary>An empty problem (for serializers).</summary>
    public LedgerRequestException() : this(new LedgerProblem("bad_request", "The ledger request is malformed."), null)
    {
    }

    /// <summary>A problem with a message.</summary>
    public LedgerRequestException(string message) : this(new LedgerProblem("bad_request", message), null)
    {
    }

    /// <summary>A problem with a message and a cause.</summary>
    public LedgerRequestException(string message, Exception innerException) : base(message, innerException)
    {
        Problem = new LedgerProblem("bad_request", message);
    }

    /// <summary>What is wrong.</summary>
    public LedgerProblem Problem { get; }

    /// <summary>The index of the bad request in its batch, if any.</summary>
    public int? Index { get; }
}
