using System.Net;
using System.Net.Sockets;

namespace OrleansGoRelay.Tests.Infrastructure;

/// <summary>Ports for test listeners.</summary>
public static class TestPorts
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
