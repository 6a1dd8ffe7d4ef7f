using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace OrleansGoRelay.Cli.Play;

/// <summary>Reads a WebSocket as whole messages, however the peer framed them.</summary>
internal static class WebSocketMessages
{
    /// <summary>
    /// Each whole message as it arrives, until the peer closes; a message's bytes are valid until the next is read.
    /// A dropped connection throws <see cref="WebSocketException"/>.
    /// </summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(WebSocket socket, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read.MessageType == WebSocketMessageType.Close)
            {
                yield break;
            }
            message.Write(buffer, 0, read.Count);
            if (read.EndOfMessage)
            {
                yield return message.GetBuffer().AsMemory(0, (int)message.Length);
                message.SetLength(0);
            }
        }
    }
}
