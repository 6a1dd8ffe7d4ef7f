using Npgsql;
using OrleansGoRelay.Runtime.Events;

namespace OrleansGoRelay.Runtime.Singletons;

/// <summary>Cluster-wide exclusive locks, one per singleton name, held by this silo until released or until this silo's session dies.</summary>
public interface ISingletonLocks : IAsyncDisposable
{
    /// <summary>Tries to take the lock without waiting.</summary>
    Task<bool> TryAcquireAsync(string name, CancellationToken cancellationToken);

    /// <summary>Releases a held lock.</summary>
    Task ReleaseAsync(string name, CancellationToken cancellationToken);

    /// <summary>Whether the locks this silo holds are still held (false once the session behind them is gone).</summary>
    Task<bool> StillHeldAsync(CancellationToken cancellationToken);

    /// <summary>Drops every lock at once, as a crash would.</summary>
    ValueTask AbandonAsync();
}

/// <summary>
/// PostgreSQL session advisory locks on one dedicated connection. The locks die with the session: when the silo
/// process dies its socket closes and PostgreSQL frees them at once; when it hangs, membership fences it.
/// </summary>
public sealed class PostgresSingletonLocks(NpgsqlDataSource dataSource) : ISingletonLocks
{
    // The two-key form keeps singleton locks apart from the migration lock and anything else using advisory locks.
    private const int LockClass = 0x47524C59; // "GRLY"

    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;

    public async Task<bool> TryAcquireAsync(string name, CancellationToken cancellationToken) =>
        await ExecuteAsync("SELECT pg_try_advisory_lock($1, $2)", name, cancellationToken).ConfigureAwait(false);

    public async Task ReleaseAsync(string name, CancellationToken cancellationToken) =>
        await ExecuteAsync("SELECT pg_advisory_unlock($1, $2)", name, cancellationToken).ConfigureAwait(false);

    public async Task<bool> StillHeldAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                return false;
            }

            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            await DropConnectionAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> ExecuteAsync(string sql, string name, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _connection ??= await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(sql, _connection);
            command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
            command.Parameters.Add(new NpgsqlParameter { Value = StableHash(name) });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            await DropConnectionAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>FNV-1a: the same name gives the same lock key on every silo and every .NET version.</summary>
    internal static int StableHash(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return unchecked((int)hash);
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    public async ValueTask AbandonAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await DropConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync() => AbandonAsync();
}

/// <summary>Advisory locks in memory, shared by the silos of one <see cref="InMemoryCluster"/>.</summary>
public sealed class InMemorySingletonLocks(InMemoryCluster cluster, SiloIdentity silo) : ISingletonLocks
{
    public Task<bool> TryAcquireAsync(string name, CancellationToken cancellationToken)
    {
        lock (cluster.SingletonLocks)
        {
            if (cluster.SingletonLocks.TryGetValue(name, out var holder))
            {
                return Task.FromResult(holder == silo.SiloId);
            }

            cluster.SingletonLocks[name] = silo.SiloId;
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        lock (cluster.SingletonLocks)
        {
            if (cluster.SingletonLocks.TryGetValue(name, out var holder) && holder == silo.SiloId)
            {
                cluster.SingletonLocks.Remove(name);
            }
        }

        return Task.CompletedTask;
    }

    public Task<bool> StillHeldAsync(CancellationToken cancellationToken)
    {
        lock (cluster.SingletonLocks)
        {
            return Task.FromResult(cluster.SingletonLocks.ContainsValue(silo.SiloId));
        }
    }

    public ValueTask AbandonAsync()
    {
        cluster.ReleaseLocksOf(silo.SiloId);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => AbandonAsync();
}
