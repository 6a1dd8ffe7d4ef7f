namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>The stage before which a simulated client drops out (it sends nothing from then on).</summary>
public enum DropoutStage
{
    /// <summary>Takes part to the end.</summary>
    None,

    /// <summary>Never advertises keys: not in U1.</summary>
    BeforeAdvertising,

    /// <summary>Advertises keys but sends no shares: in U1, not in U2; nobody masks against it.</summary>
    BeforeSharing,

    /// <summary>Shares keys but sends no masked input: in U2, not in U3; its masking key is reconstructed to remove its pairwise masks.</summary>
    BeforeMaskedInput,

    /// <summary>Sends its masked input but does not answer the unmask request: in U3 (its input counts), its self-mask seed is reconstructed from the others' shares.</summary>
    BeforeUnmasking,
}

/// <summary>
/// Runs a whole round in one process, clients and server, for tests and simulations: every client's messages go to
/// the server, the server's replies back, with clients dropping out at the stages given and optional hooks that alter
/// messages on the way (a malicious relay or client).
/// </summary>
public static class SecureAggregationRound
{
    /// <summary>The server's result for <paramref name="inputs"/> (one vector per client of the round).</summary>
    /// <param name="config">The round.</param>
    /// <param name="inputs">Client i's vector at index i.</param>
    /// <param name="dropouts">Clients that drop out, and before which stage; the others take part to the end.</param>
    /// <param name="relayDelivery">Applied to each share delivery on its way to its client (tamper with bundles).</param>
    /// <param name="relayUnmask">Applied to each unmask message on its way to the server (return wrong shares).</param>
    /// <param name="threads">Threads for the server's work; 0 = all cores.</param>
    public static SecureAggregationResult Run(
        SecureAggregationConfig config,
        IReadOnlyList<float[]> inputs,
        IReadOnlyDictionary<int, DropoutStage>? dropouts = null,
        Func<ShareDelivery, ShareDelivery>? relayDelivery = null,
        Func<Unmask, Unmask>? relayUnmask = null,
        int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != config.Clients)
        {
            throw new ArgumentException($"The round has {config.Clients} clients, not {inputs.Count} inputs.", nameof(inputs));
        }
        var graph = NeighbourGraph.For(config);
        using var server = new SecureAggregationServer(config, graph, threads: threads);
        var clients = Enumerable.Range(0, config.Clients).Select(i => new SecureAggregationClient(config, i, graph)).ToArray();
        try
        {
            bool Takes(int client, DropoutStage stage) =>
                dropouts is null || !dropouts.TryGetValue(client, out var drop) || drop == DropoutStage.None || drop > stage;

            var active = clients.Where(c => Takes(c.ClientId, DropoutStage.BeforeAdvertising)).ToArray();
            foreach (var client in active)
            {
                server.Receive(client.AdvertiseKeys());
            }
            var keys = server.CloseAdvertising();

            active = active.Where(c => Takes(c.ClientId, DropoutStage.BeforeSharing)).ToArray();
            foreach (var client in active)
            {
                server.Receive(client.ShareKeys(keys));
            }
            var deliveries = server.CloseSharing();

            active = active.Where(c => Takes(c.ClientId, DropoutStage.BeforeMaskedInput)).ToArray();
            foreach (var client in active)
            {
                var delivery = deliveries[client.ClientId];
                server.Receive(client.MaskInput(relayDelivery is null ? delivery : relayDelivery(delivery), inputs[client.ClientId]));
            }
            var request = server.CloseMaskedInputs();

            active = active.Where(c => Takes(c.ClientId, DropoutStage.BeforeUnmasking)).ToArray();
            foreach (var client in active)
            {
                var unmask = client.Unmask(request);
                server.Receive(relayUnmask is null ? unmask : relayUnmask(unmask));
            }
            return server.Finish();
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
