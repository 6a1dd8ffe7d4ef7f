using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace OrleansGoRelay.Contracts.Wire;

/// <summary>The limits of a <see cref="WebSocketConnection{TReceive, TSend}"/>.</summary>
/// <param name="MaxMessageBytes">The largest whole message the peer may send; a larger one ends the connection (close status MessageTooBig).</param>
/// <param name="MaxReceivedBytes">All the bytes the peer may send over the connection's life (null: no limit); more end it (PolicyViolation).</param>
/// <param name="SendQueue">Messages waiting to be written; when it is full the oldest is dropped, so a slow peer loses messages and never holds up a sender.</param>
public sealed record WebSocketLimits(int MaxMessageBytes = 1 << 20, long? MaxReceivedBytes = null, int SendQueue = 1024);

/// <summary>The peer broke a <see cref="WebSocketLimits"/> limit; the connection is closing.</summary>
public sealed class WebSocketLimitException : IOException
{
    public WebSocketLimitException()
    {
    }

    public WebSocketLimitException(string message)
        : base(message)
    {
    }

    public WebSocketLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One WebSocket as a duplex stream of typed JSON messages (text, <see cref="ApiJson"/>): a reader of whole messages
/// however the peer framed them, within <see cref="WebSocketLimits"/>, and a single writer draining a queue, so sends
/// from any thread never interleave. It owns the socket: closing writes what is queued, then the close frame, and
/// disposing closes and releases the socket.
/// </summary>
/// <typeparam name="TReceive">What the peer sends (a polymorphic base such as <see cref="PlayerMessage"/>).</typeparam>
/// <typeparam name="TSend">What this side sends, serialised as <typeparamref name="TSend"/> (so a base type writes its discriminator).</typeparam>
public sealed class WebSocketConnection<TReceive, TSend> : IAsyncDisposable
{
    /// <summary>How long closing waits for the queue to drain before it aborts the socket.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly WebSocketLimits _limits;
    private readonly Channel<Outgoing> _outgoing;
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _writer;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeDescription = "";
    private int _closing;
    private int _disposed;
    private long _received;

    /// <summary>Takes over <paramref name="socket"/> (open) and starts its writer.</summary>
    public WebSocketConnection(WebSocket socket, WebSocketLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _limits = limits ?? new();
        _outgoing = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(_limits.SendQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => dropped.Written?.TrySetException(Closed("The send queue was full; the message was dropped.")));
        _writer = WriteLoopAsync();
    }

    /// <summary>How messages become JSON and back (default <see cref="ApiJson.Options"/>).</summary>
    public JsonSerializerOptions Json { get; init; } = ApiJson.Options;

    /// <summary>
    /// What to do with a message that is not valid JSON for <typeparamref name="TReceive"/>: without it, reading throws
    /// the <see cref="JsonException"/>; with it, the message is skipped and the answer returned (if any) is sent.
    /// </summary>
    public Func<JsonException, TSend?>? OnMalformed { get; init; }

    /// <summary>Called with the size of each whole message received, before it is parsed.</summary>
    public Action<int>? OnReceived { get; init; }

    /// <summary>Called with the size of each message written.</summary>
    public Action<int>? OnSent { get; init; }

    /// <summary>Queues a message without waiting; false once the connection is closing.</summary>
    public bool Send(TSend message) => _outgoing.Writer.TryWrite(new Outgoing(Serialize(message), null));

    /// <summary>Queues a message and waits until it is written; a <see cref="WebSocketException"/> when the connection is closed or fails first.</summary>
    public async Task SendAsync(TSend message, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_outgoing.Writer.TryWrite(new Outgoing(Serialize(message), written)))
        {
            throw Closed("The connection is closed.");
        }
        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Each message as it arrives, until the peer closes (then the enumeration ends). One reader at a time. A dropped
    /// connection throws <see cref="WebSocketException"/>, a broken limit <see cref="WebSocketLimitException"/>, a
    /// malformed message <see cref="JsonException"/> unless <see cref="OnMalformed"/> handles it.
    /// </summary>
    public async IAsyncEnumerable<TReceive> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(_limits.MaxMessageBytes + 1, 16 * 1024)];
        using var whole = new MemoryStream();
        while (await ReadMessageAsync(buffer, whole, cancellationToken).ConfigureAwait(false) is { } bytes)
        {
            OnReceived?.Invoke(bytes.Length);
            TReceive? message;
            JsonException? malformed = null;
            try
            {
                message = JsonSerializer.Deserialize<TReceive>(bytes.Span, Json);
            }
            catch (JsonException e)
            {
                (message, malformed) = (default, e);
            }
            if (message is null)
            {
                malformed ??= new JsonException("A message is a JSON object, not null.");
                if (OnMalformed is null)
                {
                    throw malformed;
                }
                if (OnMalformed(malformed) is { } answer)
                {
                    Send(answer);
                }
                continue;
            }
            yield return message;
        }
    }

    /// <summary>
    /// Stops taking messages, writes those queued, then the close frame; waits at most <see cref="CloseTimeout"/> and
    /// aborts the socket after that. The reader sees the peer's close and ends. Safe to call more than once.
    /// </summary>
    public async Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string description = "")
    {
        Complete(status, description);
        if (await Task.WhenAny(_writer, Task.Delay(CloseTimeout)).ConfigureAwait(false) != _writer)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            _socket.Abort();
        }
        await _writer.ConfigureAwait(false);
    }

    /// <summary>Closes (see <see cref="CloseAsync"/>) and releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await CloseAsync().ConfigureAwait(false);
        _socket.Dispose();
        _abort.Dispose();
    }

    private byte[] Serialize(TSend message) => JsonSerializer.SerializeToUtf8Bytes(message, Json);

    private void Complete(WebSocketCloseStatus status, string description)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            (_closeStatus, _closeDescription) = (status, description);
            _outgoing.Writer.TryComplete();
        }
    }

    /// <summary>One whole message (valid until the next read), or null once the peer closed.</summary>
    private async Task<ReadOnlyMemory<byte>?> ReadMessageAsync(byte[] buffer, MemoryStream whole, CancellationToken cancellationToken)
    {
        whole.SetLength(0);
        while (true)
        {
            var read = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (read.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            if ((_received += read.Count) > _limits.MaxReceivedBytes)
            {
                throw Broken(WebSocketCloseStatus.PolicyViolation, "The connection's data limit is spent.");
            }
            if (whole.Length + read.Count > _limits.MaxMessageBytes)
            {
                throw Broken(WebSocketCloseStatus.MessageTooBig, $"Messages are at most {_limits.MaxMessageBytes} bytes.");
            }
            if (read.EndOfMessage && whole.Length == 0)
            {
                return buffer.AsMemory(0, read.Count);
            }
            whole.Write(buffer, 0, read.Count);
            if (read.EndOfMessage)
            {
                return whole.GetBuffer().AsMemory(0, (int)whole.Length);
            }
        }
    }

    private WebSocketLimitException Broken(WebSocketCloseStatus status, string reason)
    {
        Complete(status, reason);
        return new WebSocketLimitException(reason);
    }

    private async Task WriteLoopAsync()
    {
        Outgoing? current = null;
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(_abort.Token).ConfigureAwait(false))
            {
                current = message;
                await _socket.SendAsync(message.Bytes, WebSocketMessageType.Text, true, _abort.Token).ConfigureAwait(false);
                OnSent?.Invoke(message.Bytes.Length);
                message.Written?.TrySetResult();
                current = null;
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeDescription, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away or the connection was aborted: nothing more can be written.
            current?.Written?.TrySetException(Closed("The connection failed while writing.", e));
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            while (_outgoing.Reader.TryRead(out var left))
            {
                left.Written?.TrySetException(Closed("The connection closed before the message was written."));
            }
        }
    }

    private static WebSocketException Closed(string message, Exception? inner = null) =>
        inner is null ? new(WebSocketError.InvalidState, message) : new(WebSocketError.InvalidState, message, inner);

    private sealed record Outgoing(byte[] Bytes, TaskCompletionSource? Written);
}
