namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>Polls a condition that becomes true asynchronously (a failover, a reminder tick), with a deadline.</summary>
public static class Eventually
{
    public static Task<T> WaitForAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout) =>
        WaitForAsync(() => Task.FromResult(probe()), done, timeout);

    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }
}
