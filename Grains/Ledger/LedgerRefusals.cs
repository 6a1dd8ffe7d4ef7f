using OrleansGoRelay.Ledger;

namespace OrleansGoRelay.Grains.Ledger;

/// <summary>
/// The ledger library reports a malformed request as a <see cref="LedgerProblem"/>; grains refuse it in the product's
/// one vocabulary of refusals, <see cref="RequestRefusedException"/> (400 with the problem's code), before anything
/// reaches the store.
/// </summary>
internal static class LedgerRefusals
{
    /// <summary>Throws (400, the problem's code) when the account spec is malformed.</summary>
    public static void EnsureValid(AccountSpec spec)
    {
        if (TransferValidation.Check(spec) is { } problem)
        {
            throw RequestRefusedException.BadRequest(problem.Code, problem.Detail);
        }
    }

    /// <summary>Throws (400, the problem's code, naming the item's index) when a request of the batch is malformed.</summary>
    public static void EnsureValid(IReadOnlyList<TransferRequest> batch)
    {
        if (TransferValidation.Check(batch) is { } malformed)
        {
            throw RequestRefusedException.BadRequest(malformed.Problem.Code, $"Item {malformed.Index}: {malformed.Problem.Detail}");
        }
    }
}
