namespace OrleansGoRelay.Tests.Ledger;

/// <summary>A clock the test moves by hand (pending-transfer timeouts).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public ManualClock() : this(DateTimeOffset.UtcNow)
    {
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The system clock moved forward by hand: time keeps flowing (hosting timers and timeouts behave), and a test can
/// jump ahead (stamps old enough to burn). <see cref="Freeze"/> stops the flow of the time it reads (timers still fire
/// in real time), for a test whose thresholds must not depend on how fast a loaded machine runs it.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;
    private long _frozenAtTicks;

    public override DateTimeOffset GetUtcNow()
    {
        var frozen = Interlocked.Read(ref _frozenAtTicks);
        var now = frozen != 0 ? new DateTimeOffset(frozen, TimeSpan.Zero) : System.GetUtcNow();
        return now + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    /// <summary>From now on the clock moves only by <see cref="Advance"/>.</summary>
    public void Freeze() => Interlocked.Exchange(ref _frozenAtTicks, System.GetUtcNow().UtcTicks);
}
