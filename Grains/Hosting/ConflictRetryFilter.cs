using System.Reflection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansGoRelay.Grains.Hosting;

/// <summary>
/// Runs a <see cref="RetryOnConflictAttribute"/> method again on freshly read state when its write loses an ETag race.
/// With one activation per grain a conflict is rare (two activations briefly coexisting while membership settles after
/// a crash, or a row written outside the grain); it must neither fork a game nor surface as a failure for a command
/// that is safe to repeat. Other methods let the conflict through: the gateway answers it as <c>concurrent_update</c>.
/// </summary>
internal sealed partial class ConflictRetryFilter(ILogger<ConflictRetryFilter> logger) : IIncomingGrainCallFilter
{
    /// <summary>Tries in all; each lost race means another writer made progress, so a few suffice.</summary>
    private const int MaxAttempts = 5;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await context.Invoke();
                return;
            }
            catch (InconsistentStateException e) when (attempt < MaxAttempts && context.TargetContext.GrainInstance is IReloadableGrain grain && IsRetryable(context))
            {
                LogRetry(logger, e, context.TargetId.ToString(), context.MethodName, attempt);
                await grain.ReloadStateAsync();
            }
        }
    }

    private static bool IsRetryable(IIncomingGrainCallContext context) =>
        context.InterfaceMethod?.GetCustomAttribute<RetryOnConflictAttribute>() is not null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Grain}.{Method} lost a state write race (attempt {Attempt}); re-reading its state and running it again")]
    private static partial void LogRetry(ILogger logger, Exception exception, string grain, string method, int attempt);
}
