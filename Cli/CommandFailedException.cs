namespace OrleansGoRelay.Cli;

/// <summary>
/// A failure the user can act on (a missing database, a refused request): <c>gorelay</c> prints its message alone and
/// exits with 1, where an unexpected exception prints its stack trace.
/// </summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException()
    {
    }

    public CommandFailedException(string message)
        : base(message)
    {
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
