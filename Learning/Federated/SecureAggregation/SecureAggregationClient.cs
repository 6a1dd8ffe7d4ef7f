using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>
/// One client's side of a secure-aggregation round (Bonawitz et al. 2017, Figure 4; neighbours after Bell et al. 2020).
/// Call the four stages in order, each with the server's reply to the previous one:
/// <see cref="AdvertiseKeys"/> → <see cref="ShareKeys"/> (given U1) → <see cref="MaskInput"/> (given U2 and its share
/// bundles) → <see cref="Unmask"/> (given U3). The client checks what the server tells it (it is in each list, the lists
/// shrink, enough of its neighbourhood is left, every neighbour's bundle opens) and refuses
/// (<see cref="AggregationRefusedException"/>) otherwise; it answers one unmask request only, so a server cannot obtain
/// both the self-mask share and the masking-key share of one client by asking twice.
/// <para>
/// A client survives a restart of its process: <see cref="ExportState"/> after a stage, persist the state
/// (<see cref="SecureAggregationClientState.Serialize"/>) before sending the stage's reply, and <see cref="Restore"/> it
/// in the new process to go on with the next stage, with the same keys and secrets.
/// </para>
/// </summary>
public sealed class SecureAggregationClient : IDisposable
{
    private readonly SecureAggregationConfig _config;
    private readonly NeighbourGraph _graph;
    private readonly IAdvertisementSigner? _signer;
    private readonly IAdvertisementVerifier? _verifier;
    private readonly ECDiffieHellman _encryptionKey;
    private readonly ECDiffieHellman _maskingKey;
    private readonly IReadOnlyList<int> _neighbours;
    private readonly Dictionary<int, AdvertiseKeys> _neighbourKeys = [];
    private readonly Dictionary<int, byte[]> _bundleKeys = [];
    private readonly Dictionary<int, (ulong[] MaskingKey, ulong[] SelfMask)> _heldShares = [];
    private Stage _stage;
    private HashSet<int> _sharedKeys = [];
    private byte[]? _selfMaskSeed;

    /// <summary>Client <paramref name="clientId"/> of the round <paramref name="config"/> describes; fresh key pairs.</summary>
    /// <param name="config">The round.</param>
    /// <param name="clientId">This client, 0..n−1.</param>
    /// <param name="graph">The round's graph when already built (it is the same for every client); built from the config otherwise.</param>
    /// <param name="signer">Signs the advertisement with this client's identity key, when there is a PKI.</param>
    /// <param name="verifier">Checks the other clients' advertisements, when there is a PKI.</param>
    public SecureAggregationClient(SecureAggregationConfig config, int clientId, NeighbourGraph? graph = null, IAdvertisementSigner? signer = null, IAdvertisementVerifier? verifier = null)
        : this(config, clientId, graph, signer, verifier, SecureAggregationCrypto.NewKeyPair(), SecureAggregationCrypto.NewKeyPair())
    {
    }

    private SecureAggregationClient(
        SecureAggregationConfig config,
        int clientId,
        NeighbourGraph? graph,
        IAdvertisementSigner? signer,
        IAdvertisementVerifier? verifier,
        ECDiffieHellman encryptionKey,
        ECDiffieHellman maskingKey)
    {
        _encryptionKey = encryptionKey;
        _maskingKey = maskingKey;
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(clientId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(clientId, config.Clients);
        _config = config;
        _graph = graph ?? NeighbourGraph.For(config);
        if (_graph.Clients != config.Clients)
        {
            throw new ArgumentException("The graph is not the round's.", nameof(graph));
        }
        ClientId = clientId;
        _neighbours = _graph.NeighboursOf(clientId);
        _signer = signer;
        _verifier = verifier;
    }

    private enum Stage
    {
        Created,
        Advertised,
        Shared,
        Masked,
        Unmasked,
    }

    /// <summary>
    /// The client <paramref name="state"/> describes (from <see cref="ExportState"/>, possibly in another process): it goes
    /// on from the stage it had completed with the same keys, neighbours' keys, shares and seed, and refuses a stage it
    /// has passed as the exported client would.
    /// </summary>
    /// <param name="state">The exported state.</param>
    /// <param name="graph">The round's graph when already built; built from the state's config otherwise.</param>
    /// <param name="signer">Signs the advertisement, when the state is at <c>Created</c> and there is a PKI.</param>
    /// <param name="verifier">Checks the other clients' advertisements, when the state is at <c>Advertised</c> and there is a PKI.</param>
    /// <exception cref="ArgumentException">The state is inconsistent: an invalid key or configuration, an unknown stage, or keys, shares or seed that the stage cannot hold.</exception>
    public static SecureAggregationClient Restore(SecureAggregationClientState state, NeighbourGraph? graph = null, IAdvertisementSigner? signer = null, IAdvertisementVerifier? verifier = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var config = state.Config ?? throw new ArgumentException("The state has no round configuration.", nameof(state));
        config.Validate();
        if (state.ClientId < 0 || state.ClientId >= config.Clients)
        {
            throw new ArgumentException($"The state is of client {state.ClientId}; the round has clients 0 to {config.Clients - 1}.", nameof(state));
        }
        graph ??= NeighbourGraph.For(config);
        if (graph.Clients != config.Clients)
        {
            throw new ArgumentException("The graph is not the round's.", nameof(graph));
        }
        var stage = CheckState(state, graph);

        var encryptionKey = ImportPrivateKey(state, encryption: true);
        ECDiffieHellman? maskingKey = null;
        try
        {
            maskingKey = ImportPrivateKey(state, encryption: false);
            var client = new SecureAggregationClient(config, state.ClientId, graph, signer, verifier, encryptionKey, maskingKey) { _stage = stage };
            foreach (var advert in state.NeighbourKeys)
            {
                client._neighbourKeys[advert.ClientId] = advert with
                {
                    EncryptionPublicKey = advert.EncryptionPublicKey.ToArray(),
                    MaskingPublicKey = advert.MaskingPublicKey.ToArray(),
                    Signature = advert.Signature?.ToArray(),
                };
            }
            foreach (var held in state.HeldShares)
            {
                client._heldShares[held.Owner] = (held.MaskingKeyShare.ToArray(), held.SelfMaskShare.ToArray());
            }
            client._sharedKeys = [.. state.SharedKeys];
            client._selfMaskSeed = state.SelfMaskSeed?.ToArray();
            return client;
        }
        catch
        {
            encryptionKey.Dispose();
            maskingKey?.Dispose();
            throw;
        }
    }

    /// <summary>This client's id.</summary>
    public int ClientId { get; }

    /// <summary>
    /// Everything the client holds now, for <see cref="Restore"/>: copies, so the client goes on unaffected. It holds the
    /// private keys and secrets (see <see cref="SecureAggregationClientState"/>); after <see cref="Unmask"/> it holds no
    /// shares, so a restored client cannot answer a second unmask request either.
    /// </summary>
    public SecureAggregationClientState ExportState() => new(
        _config,
        ClientId,
        SecureAggregationClientState.StageNames[(int)_stage],
        SecureAggregationCrypto.ExportPrivateKey(_encryptionKey),
        SecureAggregationCrypto.ExportPrivateKey(_maskingKey),
        _neighbourKeys.OrderBy(pair => pair.Key)
            .Select(pair => pair.Value with
            {
                EncryptionPublicKey = pair.Value.EncryptionPublicKey.ToArray(),
                MaskingPublicKey = pair.Value.MaskingPublicKey.ToArray(),
                Signature = pair.Value.Signature?.ToArray(),
            })
            .ToArray(),
        _heldShares.OrderBy(pair => pair.Key)
            .Select(pair => new SecureAggregationHeldShares(pair.Key, pair.Value.MaskingKey.ToArray(), pair.Value.SelfMask.ToArray()))
            .ToArray(),
        _sharedKeys.Order().ToArray(),
        _selfMaskSeed?.ToArray());

    /// <summary>Stage 0: the public keys c^PK and s^PK, signed when a signer was given.</summary>
    public AdvertiseKeys AdvertiseKeys()
    {
        Advance(Stage.Created, Stage.Advertised);
        var encryption = SecureAggregationCrypto.ExportPublicKey(_encryptionKey);
        var masking = SecureAggregationCrypto.ExportPublicKey(_maskingKey);
        var signature = _signer?.Sign(SecureAggregation.AdvertiseKeys.SignedBytes(_config.RoundId, ClientId, encryption, masking));
        return new AdvertiseKeys(ClientId, encryption, masking, signature);
    }

    /// <summary>
    /// Stage 1: draws the self-mask seed b_u, splits s^SK and b_u t-of-|N[u] ∩ U1| among its closed neighbourhood in U1
    /// (keeping its own shares) and seals each neighbour's pair of shares under their c key.
    /// </summary>
    public ShareKeys ShareKeys(KeysBroadcast broadcast)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        Advance(Stage.Advertised, Stage.Shared);
        CheckRound(broadcast.RoundId);
        var u1 = CheckSurvivors(broadcast.Survivors, null, "advertised keys");
        if (broadcast.Advertisements.Length != broadcast.Survivors.Length)
        {
            Refuse("the key broadcast has a different number of advertisements than survivors");
        }
        for (var i = 0; i < broadcast.Advertisements.Length; i++)
        {
            var advert = broadcast.Advertisements[i];
            if (advert.ClientId != broadcast.Survivors[i])
            {
                Refuse($"the key broadcast lists client {broadcast.Survivors[i]} with client {advert.ClientId}'s advertisement");
            }
            if (advert.ClientId == ClientId || !_graph.AreNeighbours(ClientId, advert.ClientId))
            {
                continue;
            }
            if (_verifier is not null && (advert.Signature is null
                || !_verifier.Verify(advert.ClientId, SecureAggregation.AdvertiseKeys.SignedBytes(_config.RoundId, advert.ClientId, advert.EncryptionPublicKey, advert.MaskingPublicKey), advert.Signature)))
            {
                Refuse($"client {advert.ClientId}'s advertisement is not signed by its identity key");
            }
            _neighbourKeys[advert.ClientId] = advert;
        }

        var holders = _graph.NeighbourhoodOf(ClientId).Where(u1.Contains).ToArray();
        _selfMaskSeed = RandomNumberGenerator.GetBytes(SecureAggregationCrypto.SelfMaskSeedBytes);
        var privateKey = SecureAggregationCrypto.ExportPrivateKey(_maskingKey);
        var xs = holders.Select(h => h + 1).ToArray();
        var keyShares = ShamirSecretSharing.Split(privateKey, _config.Threshold, xs);
        var seedShares = ShamirSecretSharing.Split(_selfMaskSeed, _config.Threshold, xs);
        CryptographicOperations.ZeroMemory(privateKey);
        var bundles = new List<EncryptedShareBundle>(holders.Length - 1);
        for (var i = 0; i < holders.Length; i++)
        {
            var holder = holders[i];
            if (holder == ClientId)
            {
                _heldShares[ClientId] = (keyShares[i].Values, seedShares[i].Values);
                continue;
            }
            var key = BundleKey(holder);
            bundles.Add(SecureAggregationCrypto.Seal(key, _config.RoundId, ClientId, holder, keyShares[i].Values, seedShares[i].Values));
        }
        return new ShareKeys(ClientId, SecureAggregationCrypto.SelfMaskCommitment(_config.RoundId, ClientId, _selfMaskSeed), bundles.ToArray());
    }

    /// <summary>
    /// Stage 2: opens the bundles of its neighbours in U2 (any that fails authentication refuses the round), then returns
    /// y_u = encode(x_u) + PRG(b_u) + Σ_{v ∈ N(u) ∩ U2} ±PRG(s_uv), + when u &lt; v and − otherwise, so each pair's masks
    /// cancel in the sum.
    /// </summary>
    /// <param name="delivery">U2 and the bundles addressed to this client.</param>
    /// <param name="input">The client's vector, <see cref="SecureAggregationConfig.Parameters"/> finite floats.</param>
    /// <param name="threads">Threads for the mask expansions (1 for a client beside many in one process).</param>
    public MaskedInput MaskInput(ShareDelivery delivery, ReadOnlySpan<float> input, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (input.Length != _config.Parameters)
        {
            throw new ArgumentException($"The round aggregates vectors of {_config.Parameters:N0} floats, not {input.Length:N0}.", nameof(input));
        }
        Advance(Stage.Shared, Stage.Masked);
        CheckRound(delivery.RoundId);
        if (delivery.Recipient != ClientId)
        {
            Refuse($"the share delivery is addressed to client {delivery.Recipient}");
        }
        var u2 = CheckSurvivors(delivery.Survivors, _neighbourKeys.Keys.Append(ClientId).ToHashSet(), "shared keys");
        var expected = _neighbours.Where(u2.Contains).ToHashSet();
        foreach (var bundle in delivery.Bundles)
        {
            if (bundle.Recipient != ClientId || !expected.Remove(bundle.Sender))
            {
                Refuse($"the share delivery holds an unexpected bundle from client {bundle.Sender} to client {bundle.Recipient}");
            }
            try
            {
                _heldShares[bundle.Sender] = SecureAggregationCrypto.Open(BundleKey(bundle.Sender), _config.RoundId, bundle);
            }
            catch (CryptographicException)
            {
                Refuse($"the share bundle from client {bundle.Sender} fails authentication (AES-GCM): it was altered on the way");
            }
        }
        if (expected.Count > 0)
        {
            Refuse($"the share delivery lacks the bundles of neighbours {string.Join(", ", expected.Order())}");
        }
        _sharedKeys = u2;

        var masked = new uint[_config.Parameters];
        FixedPointEncoding.Encode(input, _config.Quantisation, masked);
        var masks = new List<SeededMask> { new(_selfMaskSeed!, MaskDirection.Add) };
        foreach (var v in _neighbours)
        {
            if (!u2.Contains(v))
            {
                continue;
            }
            using var other = SecureAggregationCrypto.ImportPublicKey(_neighbourKeys[v].MaskingPublicKey);
            using var otherPublic = other.PublicKey;
            var seed = SecureAggregationCrypto.PairwiseMaskSeed(_maskingKey, otherPublic, _config.RoundId, ClientId, v);
            masks.Add(new SeededMask(seed, ClientId < v ? MaskDirection.Add : MaskDirection.Subtract));
            CryptographicOperations.ZeroMemory(seed);
        }
        SeededMask.ApplyAll(masked, masks, threads);
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
        _selfMaskSeed = null;
        return new MaskedInput(ClientId, masked);
    }

    /// <summary>
    /// Stage 3: for each client of its closed neighbourhood in U2, the share of its self-mask seed if it is in U3 or of
    /// its masking key if it dropped out. Answered once.
    /// </summary>
    public Unmask Unmask(UnmaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Advance(Stage.Masked, Stage.Unmasked);
        CheckRound(request.RoundId);
        var u3 = CheckSurvivors(request.Survivors, _sharedKeys, "sent masked inputs");
        var selfMaskShares = new List<RevealedShare>();
        var maskingKeyShares = new List<RevealedShare>();
        foreach (var (owner, shares) in _heldShares.OrderBy(pair => pair.Key))
        {
            if (u3.Contains(owner))
            {
                selfMaskShares.Add(new RevealedShare(owner, ShamirSecretSharing.EncodeValues(shares.SelfMask)));
            }
            else
            {
                maskingKeyShares.Add(new RevealedShare(owner, ShamirSecretSharing.EncodeValues(shares.MaskingKey)));
            }
        }
        _heldShares.Clear();
        return new Unmask(ClientId, selfMaskShares.ToArray(), maskingKeyShares.ToArray());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encryptionKey.Dispose();
        _maskingKey.Dispose();
        foreach (var key in _bundleKeys.Values)
        {
            CryptographicOperations.ZeroMemory(key);
        }
        if (_selfMaskSeed is not null)
        {
            CryptographicOperations.ZeroMemory(_selfMaskSeed);
        }
    }

    /// <summary>
    /// The stage of <paramref name="state"/>, after checking that what it holds is what a client at that stage holds:
    /// neighbours' keys (valid points, neighbours only) and its own shares from Shared on, the neighbours' shares and U2
    /// from Masked on, the self-mask seed at Shared only, and no shares at all once unmasked.
    /// </summary>
    private static Stage CheckState(SecureAggregationClientState state, NeighbourGraph graph)
    {
        var index = SecureAggregationClientState.StageIndex(state.Stage);
        if (index < 0)
        {
            throw new ArgumentException($"The state's stage '{state.Stage}' is none of {string.Join(", ", SecureAggregationClientState.StageNames)}.", nameof(state));
        }
        var stage = (Stage)index;
        var client = state.ClientId;
        var neighbourKeys = state.NeighbourKeys ?? throw new ArgumentException("The state's neighbour keys are null.", nameof(state));
        var heldShares = state.HeldShares ?? throw new ArgumentException("The state's held shares are null.", nameof(state));
        var sharedKeys = state.SharedKeys ?? throw new ArgumentException("The state's clients that shared keys are null.", nameof(state));
        [DoesNotReturn]
        void Fail(string reason) => throw new ArgumentException($"The state of client {client} at stage {stage} {reason}.", nameof(state));

        var advertised = new HashSet<int>();
        foreach (var advert in neighbourKeys)
        {
            if (advert is null || advert.EncryptionPublicKey is null || advert.MaskingPublicKey is null)
            {
                Fail("holds an incomplete advertisement");
            }
            if (advert.ClientId == client || !graph.AreNeighbours(client, advert.ClientId) || !advertised.Add(advert.ClientId))
            {
                Fail($"holds an advertisement of client {advert.ClientId}, which is not a neighbour or is there twice");
            }
            using var encryption = SecureAggregationCrypto.ImportPublicKey(advert.EncryptionPublicKey);
            using var masking = SecureAggregationCrypto.ImportPublicKey(advert.MaskingPublicKey);
        }
        if (stage < Stage.Shared && advertised.Count > 0)
        {
            Fail("holds neighbours' keys, which come with the key broadcast");
        }

        for (var i = 0; i < sharedKeys.Length; i++)
        {
            if (sharedKeys[i] < 0 || sharedKeys[i] >= graph.Clients || (i > 0 && sharedKeys[i] <= sharedKeys[i - 1]))
            {
                Fail("lists the clients that shared keys out of order or out of the round");
            }
        }
        var u2 = sharedKeys.ToHashSet();
        if (stage < Stage.Masked ? u2.Count > 0 : !u2.Contains(client))
        {
            Fail(stage < Stage.Masked ? "lists clients that shared keys before it took the share delivery" : "does not list itself among the clients that shared keys");
        }

        var keyChunks = ShamirSecretSharing.ChunkCount(SecureAggregationCrypto.PrivateKeyBytes);
        var seedChunks = ShamirSecretSharing.ChunkCount(SecureAggregationCrypto.SelfMaskSeedBytes);
        var owners = new HashSet<int>();
        foreach (var held in heldShares)
        {
            if (held?.MaskingKeyShare is not { } key || held.SelfMaskShare is not { } seed
                || key.Length != keyChunks || seed.Length != seedChunks || key.Any(v => v >= MersenneField.Prime) || seed.Any(v => v >= MersenneField.Prime))
            {
                Fail($"holds a malformed share (shares are {keyChunks} and {seedChunks} field elements below p)");
            }
            var owner = held.Owner;
            var allowed = owner == client
                ? stage is Stage.Shared or Stage.Masked
                : stage == Stage.Masked && advertised.Contains(owner) && u2.Contains(owner);
            if (!allowed || !owners.Add(owner))
            {
                Fail($"holds shares of client {owner} it cannot hold at this stage");
            }
        }
        if (stage is Stage.Shared or Stage.Masked && !owners.Contains(client))
        {
            Fail("lacks the shares of its own secrets");
        }

        if (stage == Stage.Shared ? state.SelfMaskSeed is not { Length: SecureAggregationCrypto.SelfMaskSeedBytes } : state.SelfMaskSeed is not null)
        {
            Fail(stage == Stage.Shared ? "lacks its 32-byte self-mask seed" : "holds a self-mask seed, which exists between sharing and masking only");
        }
        return stage;
    }

    private static ECDiffieHellman ImportPrivateKey(SecureAggregationClientState state, bool encryption)
    {
        var d = encryption ? state.EncryptionPrivateKey : state.MaskingPrivateKey;
        return d is { Length: SecureAggregationCrypto.PrivateKeyBytes } && SecureAggregationCrypto.ImportPrivateKey(d) is { } key
            ? key
            : throw new ArgumentException($"The state's {(encryption ? "encryption" : "masking")} private key is not a 32-byte P-256 scalar.", nameof(state));
    }

    private byte[] BundleKey(int neighbour)
    {
        if (!_bundleKeys.TryGetValue(neighbour, out var key))
        {
            using var other = SecureAggregationCrypto.ImportPublicKey(_neighbourKeys[neighbour].EncryptionPublicKey);
            using var otherPublic = other.PublicKey;
            key = SecureAggregationCrypto.ShareEncryptionKey(_encryptionKey, otherPublic, _config.RoundId, ClientId, neighbour);
            _bundleKeys[neighbour] = key;
        }
        return key;
    }

    /// <summary>
    /// The server's list as a set, after checking it: ascending and distinct, this client in it, a subset of the previous
    /// list (when given), at least t clients in all and at least t in this client's neighbourhood.
    /// </summary>
    private HashSet<int> CheckSurvivors(int[] survivors, HashSet<int>? previous, string verb)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        for (var i = 0; i < survivors.Length; i++)
        {
            if (survivors[i] < 0 || survivors[i] >= _config.Clients || (i > 0 && survivors[i] <= survivors[i - 1]))
            {
                Refuse("the server's list of clients that " + verb + " is not an ascending list of distinct clients of the round");
            }
            if (previous is not null && !previous.Contains(survivors[i]) && _graph.AreNeighbours(ClientId, survivors[i]))
            {
                Refuse($"the server lists neighbour {survivors[i]} among the clients that {verb} though it had dropped out before");
            }
        }
        var set = survivors.ToHashSet();
        if (!set.Contains(ClientId))
        {
            Refuse($"the server does not list this client among those that {verb}");
        }
        if (set.Count < _config.Threshold)
        {
            Refuse($"only {set.Count} of {_config.Clients} clients {verb}; the threshold is {_config.Threshold}");
        }
        var alive = _graph.AliveInNeighbourhood(ClientId, set);
        if (alive < _config.Threshold)
        {
            Refuse($"only {alive} of its neighbourhood of {_config.NeighbourhoodSize} {verb}; the threshold is {_config.Threshold}");
        }
        return set;
    }

    private void CheckRound(string roundId)
    {
        if (roundId != _config.RoundId)
        {
            Refuse($"the message belongs to round '{roundId}'");
        }
    }

    private void Advance(Stage from, Stage to)
    {
        if (_stage != from)
        {
            throw new InvalidOperationException($"Client {ClientId} is at stage {_stage}; this call needs stage {from}.");
        }
        _stage = to;
    }

    private void Refuse(string reason) =>
        throw new AggregationRefusedException($"Client {ClientId} refuses round '{_config.RoundId}': {reason}.");
}
