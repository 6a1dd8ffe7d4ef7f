using System.Diagnostics;
using System.Numerics.Tensors;
using System.Security.Cryptography;

namespace OrleansGoRelay.Learning.Federated.SecureAggregation;

/// <summary>Where the server's time went in a round (wall-clock time inside its methods).</summary>
/// <param name="Routing">Receiving advertisements and share bundles, checking them and closing those stages.</param>
/// <param name="MaskedSum">Adding the masked inputs into the running sum as they arrive.</param>
/// <param name="Reconstruction">Shamir reconstruction and verification of the survivors' self-mask seeds and the dropped clients' masking keys.</param>
/// <param name="KeyAgreement">Diffie–Hellman between each dropped client's reconstructed key and its surviving neighbours' public keys.</param>
/// <param name="MaskRemoval">Expanding and subtracting the self masks and the dangling pairwise masks.</param>
/// <param name="Decode">Fixed point to float.</param>
/// <param name="MaskingKeysReconstructed">Dropped clients whose masking keys were reconstructed (those with a surviving neighbour).</param>
/// <param name="MaskExpansions">How many mask streams the unmasking expanded (self masks plus dangling pairwise masks).</param>
public sealed record SecureAggregationServerTimings(
    TimeSpan Routing,
    TimeSpan MaskedSum,
    TimeSpan Reconstruction,
    TimeSpan KeyAgreement,
    TimeSpan MaskRemoval,
    TimeSpan Decode,
    int MaskingKeysReconstructed,
    int MaskExpansions)
{
    /// <summary>All of the server's work.</summary>
    public TimeSpan Total => Routing + MaskedSum + Reconstruction + KeyAgreement + MaskRemoval + Decode;
}

/// <summary>
/// The server's side of a secure-aggregation round (Bonawitz et al. 2017, Figure 4, semi-honest server; sparse neighbour
/// graph of Bell et al. 2020). It relays what clients send each other, tracks who is still there (U1 ⊇ U2 ⊇ U3 and the
/// unmask responders), adds each masked input into a running sum as it arrives and keeps no input, and at the end
/// reconstructs the survivors' self-mask seeds and the dropped clients' masking keys, removes the self masks and the
/// pairwise masks that dropped clients left dangling, and decodes the sum. It learns the sum and nothing else.
/// <para>
/// A stage whose survivors fall below the threshold, overall or in a neighbourhood whose secrets are needed, refuses
/// the round (<see cref="AggregationRefusedException"/>) with the counts. Reconstructed secrets are verified (the seed
/// against the commitment sent with the shares, the key against the advertised public key); wrong shares are found with
/// surplus shares and their senders named in <see cref="SecureAggregationResult.TamperedShares"/>, or the round is
/// refused: it never returns a wrong sum.
/// </para>
/// <para>
/// Messages may arrive from several threads; each is handled under a lock. A malformed or unexpected message throws
/// <see cref="ArgumentException"/> and is not counted (its sender is as good as dropped unless it sends a valid one).
/// </para>
/// </summary>
public sealed class SecureAggregationServer : IDisposable
{
    private const string SelfMaskSeed = "self-mask seed";
    private const string MaskingKey = "masking key";

    private readonly SecureAggregationConfig _config;
    private readonly NeighbourGraph _graph;
    private readonly IAdvertisementVerifier? _verifier;
    private readonly int _threads;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, AdvertiseKeys> _advertisements = [];
    private readonly Dictionary<int, (ECDiffieHellman Key, ECDiffieHellmanPublicKey Public)> _maskingKeys = [];
    private readonly SortedDictionary<int, ShareKeys> _shareKeys = [];
    private readonly SortedSet<int> _maskedInputs = [];
    private readonly SortedDictionary<int, Unmask> _unmasks = [];
    private readonly uint[] _sum;
    private Stage _stage = Stage.Advertising;
    private HashSet<int> _u1 = [];
    private HashSet<int> _u2 = [];
    private HashSet<int> _u3 = [];
    private long _routingTicks;
    private long _sumTicks;
    private long _reconstructionTicks;
    private long _keyAgreementTicks;
    private long _maskRemovalTicks;
    private long _decodeTicks;
    private int _maskingKeysReconstructed;
    private int _maskExpansions;

    /// <summary>The server of the round <paramref name="config"/> describes.</summary>
    /// <param name="config">The round.</param>
    /// <param name="graph">The round's graph when already built; built from the config otherwise.</param>
    /// <param name="verifier">Checks advertisements' signatures, when there is a PKI.</param>
    /// <param name="threads">Threads for summing and unmasking; 0 = all cores.</param>
    public SecureAggregationServer(SecureAggregationConfig config, NeighbourGraph? graph = null, IAdvertisementVerifier? verifier = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _graph = graph ?? NeighbourGraph.For(config);
        if (_graph.Clients != config.Clients)
        {
            throw new ArgumentException("The graph is not the round's.", nameof(graph));
        }
        _verifier = verifier;
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        _sum = new uint[config.Parameters];
    }

    private enum Stage
    {
        Advertising,
        Sharing,
        Masking,
        Unmasking,
        Finished,
    }

    /// <summary>The round.</summary>
    public SecureAggregationConfig Config => _config;

    /// <summary>Where the server's time went so far.</summary>
    public SecureAggregationServerTimings Timings => new(
        Stopwatch.GetElapsedTime(0, _routingTicks),
        Stopwatch.GetElapsedTime(0, _sumTicks),
        Stopwatch.GetElapsedTime(0, _reconstructionTicks),
        Stopwatch.GetElapsedTime(0, _keyAgreementTicks),
        Stopwatch.GetElapsedTime(0, _maskRemovalTicks),
        Stopwatch.GetElapsedTime(0, _decodeTicks),
        _maskingKeysReconstructed,
        _maskExpansions);

    /// <summary>Stage 0: a client's public keys (signature checked when there is a verifier; the masking key must be a point of P-256).</summary>
    public void Receive(AdvertiseKeys message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Advertising);
            CheckClient(message.ClientId);
            if (_advertisements.ContainsKey(message.ClientId))
            {
                throw new ArgumentException($"Client {message.ClientId} advertised keys twice.", nameof(message));
            }
            if (message.EncryptionPublicKey is not { Length: SecureAggregationCrypto.PublicKeyBytes } || message.EncryptionPublicKey[0] != 0x04)
            {
                throw new ArgumentException($"Client {message.ClientId}'s encryption key is not an uncompressed P-256 point.", nameof(message));
            }
            if (_verifier is not null && (message.Signature is null
                || !_verifier.Verify(message.ClientId, AdvertiseKeys.SignedBytes(_config.RoundId, message.ClientId, message.EncryptionPublicKey, message.MaskingPublicKey), message.Signature)))
            {
                throw new ArgumentException($"Client {message.ClientId}'s advertisement is not signed by its identity key.", nameof(message));
            }
            // The masking key is the one the server uses (with dropped clients' keys): imported once (which checks that it is
            // a point of the curve) and kept for the unmasking.
            var key = SecureAggregationCrypto.ImportPublicKey(message.MaskingPublicKey);
            _maskingKeys[message.ClientId] = (key, key.PublicKey);
            _advertisements[message.ClientId] = message;
            _routingTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    /// <summary>Closes stage 0: U1 and every U1 client's keys, for all of U1.</summary>
    public KeysBroadcast CloseAdvertising()
    {
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Advertising);
            _u1 = _advertisements.Keys.ToHashSet();
            RequireSurvivors(_u1, _u1, "advertised keys");
            _stage = Stage.Sharing;
            var broadcast = new KeysBroadcast(_config.RoundId, _advertisements.Keys.ToArray(), _advertisements.Values.ToArray());
            _routingTicks += Stopwatch.GetTimestamp() - started;
            return broadcast;
        }
    }

    /// <summary>Stage 1: a client's sealed bundles, exactly one for each of its neighbours in U1, and its self-mask commitment.</summary>
    public void Receive(ShareKeys message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Sharing);
            if (!_u1.Contains(message.ClientId))
            {
                throw new ArgumentException($"Client {message.ClientId} did not advertise keys.", nameof(message));
            }
            if (_shareKeys.ContainsKey(message.ClientId))
            {
                throw new ArgumentException($"Client {message.ClientId} shared keys twice.", nameof(message));
            }
            if (message.SelfMaskCommitment is not { Length: 32 })
            {
                throw new ArgumentException($"Client {message.ClientId}'s commitment is not a SHA-256 hash.", nameof(message));
            }
            var expected = _graph.NeighboursOf(message.ClientId).Where(_u1.Contains).ToHashSet();
            foreach (var bundle in message.Bundles)
            {
                if (bundle.Sender != message.ClientId || !expected.Remove(bundle.Recipient))
                {
                    throw new ArgumentException($"Client {message.ClientId} sent a bundle from {bundle.Sender} to {bundle.Recipient}, not one per neighbour in U1.", nameof(message));
                }
            }
            if (expected.Count > 0)
            {
                throw new ArgumentException($"Client {message.ClientId} sent no shares to neighbours {string.Join(", ", expected.Order())}.", nameof(message));
            }
            _shareKeys[message.ClientId] = message;
            _routingTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    /// <summary>Closes stage 1: for each client of U2, U2 and the bundles its neighbours in U2 sealed for it.</summary>
    public IReadOnlyDictionary<int, ShareDelivery> CloseSharing()
    {
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Sharing);
            _u2 = _shareKeys.Keys.ToHashSet();
            RequireSurvivors(_u2, _u2, "shared keys");
            var survivors = _shareKeys.Keys.ToArray();
            var inboxes = survivors.ToDictionary(v => v, _ => new List<EncryptedShareBundle>());
            foreach (var message in _shareKeys.Values)
            {
                foreach (var bundle in message.Bundles)
                {
                    if (inboxes.TryGetValue(bundle.Recipient, out var inbox))
                    {
                        inbox.Add(bundle);
                    }
                }
            }
            _stage = Stage.Masking;
            var deliveries = inboxes.ToDictionary(pair => pair.Key, pair => new ShareDelivery(_config.RoundId, pair.Key, survivors, pair.Value.ToArray()));
            _routingTicks += Stopwatch.GetTimestamp() - started;
            return deliveries;
        }
    }

    /// <summary>Stage 2: adds a client's masked input into the running sum (mod 2^32) and forgets it.</summary>
    public void Receive(MaskedInput message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Receive([message]);
    }

    /// <summary>Stage 2: adds several masked inputs at once (one pass over the sum, split over coordinate chunks).</summary>
    public void Receive(IReadOnlyList<MaskedInput> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Masking);
            var batch = new HashSet<int>();
            foreach (var message in messages)
            {
                if (!_u2.Contains(message.ClientId))
                {
                    throw new ArgumentException($"Client {message.ClientId} did not share keys.", nameof(messages));
                }
                if (_maskedInputs.Contains(message.ClientId) || !batch.Add(message.ClientId))
                {
                    throw new ArgumentException($"Client {message.ClientId} sent its masked input twice.", nameof(messages));
                }
                if (message.Values is null || message.Values.Length != _config.Parameters)
                {
                    throw new ArgumentException($"Client {message.ClientId}'s masked input has {message.Values?.Length ?? 0:N0} values, not {_config.Parameters:N0}.", nameof(messages));
                }
            }
            const int chunkWords = 1 << 16;
            var chunks = (_sum.Length + chunkWords - 1) / chunkWords;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, chunk =>
            {
                var start = chunk * chunkWords;
                var sum = _sum.AsSpan(start, Math.Min(chunkWords, _sum.Length - start));
                foreach (var message in messages)
                {
                    TensorPrimitives.Add(sum, message.Values.AsSpan(start, sum.Length), sum);
                }
            });
            _maskedInputs.UnionWith(batch);
            _sumTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    /// <summary>Closes stage 2: U3, the clients whose inputs are in the sum.</summary>
    public UnmaskRequest CloseMaskedInputs()
    {
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Masking);
            _u3 = _maskedInputs.ToHashSet();
            // Survivors need t holders of their seed's shares among U3; so do dropped clients whose masks with survivors must be removed.
            RequireSurvivors(_u3, _u3.Concat(DroppedWithSurvivingNeighbours()), "sent masked inputs");
            _stage = Stage.Unmasking;
            _routingTicks += Stopwatch.GetTimestamp() - started;
            return new UnmaskRequest(_config.RoundId, _maskedInputs.ToArray());
        }
    }

    /// <summary>Stage 3: a client's revealed shares (self-mask shares only of U3 clients, masking-key shares only of dropped ones, all of its neighbourhood).</summary>
    public void Receive(Unmask message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            Expect(Stage.Unmasking);
            var sender = message.ClientId;
            if (!_u3.Contains(sender))
            {
                throw new ArgumentException($"Client {sender} sent no masked input; its unmask message is not used.", nameof(message));
            }
            if (_unmasks.ContainsKey(sender))
            {
                throw new ArgumentException($"Client {sender} unmasked twice.", nameof(message));
            }
            var owners = new HashSet<int>();
            foreach (var (shares, ofSurvivors) in new[] { (message.SelfMaskShares, true), (message.MaskingKeyShares, false) })
            {
                foreach (var share in shares)
                {
                    var owner = share.Owner;
                    var inNeighbourhood = owner == sender || _graph.AreNeighbours(sender, owner);
                    if (!inNeighbourhood || !_u2.Contains(owner) || _u3.Contains(owner) != ofSurvivors || !owners.Add(owner))
                    {
                        throw new ArgumentException($"Client {sender} revealed a share of client {owner}'s {(ofSurvivors ? SelfMaskSeed : MaskingKey)} it should not hold or reveal.", nameof(message));
                    }
                    _ = ShamirSecretSharing.DecodeValues(share.Value, SecureAggregationCrypto.SecretChunks);
                }
            }
            _unmasks[sender] = message;
            _routingTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    /// <summary>
    /// Closes stage 3 and the round: reconstructs and verifies the secrets, removes the masks and decodes the sum of the
    /// inputs of U3. Refuses when fewer than t clients answered the unmask request, when a needed secret has fewer than t
    /// shares, or when wrong shares cannot be corrected.
    /// </summary>
    public SecureAggregationResult Finish()
    {
        lock (_gate)
        {
            Expect(Stage.Unmasking);
            _stage = Stage.Finished;
            var started = Stopwatch.GetTimestamp();
            var responders = _unmasks.Keys.ToHashSet();
            if (responders.Count < _config.Threshold)
            {
                Refuse($"only {responders.Count} of {_config.Clients} clients survived to unmasking; the threshold is {_config.Threshold}");
            }

            // Collect the shares per secret: x = holder + 1.
            var survivors = _maskedInputs.ToArray();
            var dropped = DroppedWithSurvivingNeighbours().Order().ToArray();
            var seedShares = survivors.ToDictionary(u => u, _ => new List<(int Holder, ShamirShare Share)>());
            var keyShares = dropped.ToDictionary(v => v, _ => new List<(int Holder, ShamirShare Share)>());
            foreach (var message in _unmasks.Values)
            {
                Collect(message.ClientId, message.SelfMaskShares, seedShares);
                Collect(message.ClientId, message.MaskingKeyShares, keyShares);
            }

            var seeds = new byte[survivors.Length][];
            var keys = new ECDiffieHellman[dropped.Length];
            var tampered = new List<TamperedShareReport>();
            var failures = new string?[survivors.Length + dropped.Length];
            try
            {
                Parallel.For(0, survivors.Length + dropped.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads }, i =>
                {
                    var isSeed = i < survivors.Length;
                    var owner = isSeed ? survivors[i] : dropped[i - survivors.Length];
                    var shares = isSeed ? seedShares[owner] : keyShares[owner];
                    var length = isSeed ? SecureAggregationCrypto.SelfMaskSeedBytes : SecureAggregationCrypto.PrivateKeyBytes;
                    if (shares.Count < _config.Threshold)
                    {
                        failures[i] = $"client {owner}'s {(isSeed ? SelfMaskSeed : MaskingKey)} has only {shares.Count} shares from the clients that unmasked; the threshold is {_config.Threshold}";
                        return;
                    }
                    ECDiffieHellman? key = null;
                    var reconstruction = ShamirSecretSharing.ReconstructVerified(shares.Select(s => s.Share).ToArray(), _config.Threshold, length,
                        candidate => isSeed ? CryptographicOperations.FixedTimeEquals(SecureAggregationCrypto.SelfMaskCommitment(_config.RoundId, owner, candidate), _shareKeys[owner].SelfMaskCommitment)
                            : IsMaskingKeyOf(owner, candidate, ref key));
                    if (reconstruction.Secret is null)
                    {
                        failures[i] = $"the {shares.Count} shares of client {owner}'s {(isSeed ? SelfMaskSeed : MaskingKey)} (from clients {string.Join(", ", shares.Select(s => s.Holder))}) " +
                            $"do not reconstruct to {(isSeed ? "its commitment" : "its advertised public key")} and too few surplus shares remain to find the wrong ones";
                        key?.Dispose();
                        return;
                    }
                    if (reconstruction.InconsistentXs.Count > 0)
                    {
                        lock (tampered)
                        {
                            tampered.AddRange(reconstruction.InconsistentXs.Select(x => new TamperedShareReport(x - 1, owner, isSeed ? SelfMaskSeed : MaskingKey)));
                        }
                    }
                    if (isSeed)
                    {
                        seeds[i] = reconstruction.Secret;
                    }
                    else
                    {
                        keys[i - survivors.Length] = key!;
                    }
                });
                _reconstructionTicks += Stopwatch.GetTimestamp() - started;
                _maskingKeysReconstructed = dropped.Length;
                if (failures.FirstOrDefault(f => f is not null) is { } failure)
                {
                    var named = tampered.Count > 0 ? $" (wrong shares also came from clients {string.Join(", ", tampered.Select(t => t.Holder).Distinct().Order())})" : "";
                    Refuse($"{failure}{named}; refusing rather than returning a wrong sum");
                }

                // The dangling pairwise masks: survivor u added +PRG(s_uv) when u < v and −PRG(s_uv) otherwise; undo it.
                // Survivors' public keys are shared between threads: a derivation only reads the OpenSSL key (each call
                // makes its own context), and every dropped client's reconstructed key belongs to one iteration.
                started = Stopwatch.GetTimestamp();
                var pairwise = new List<SeededMask>[dropped.Length];
                Parallel.For(0, dropped.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads }, d =>
                {
                    var v = dropped[d];
                    var masks = new List<SeededMask>();
                    foreach (var u in _graph.NeighboursOf(v))
                    {
                        if (!_u3.Contains(u))
                        {
                            continue;
                        }
                        var seed = SecureAggregationCrypto.PairwiseMaskSeed(keys[d], _maskingKeys[u].Public, _config.RoundId, v, u);
                        masks.Add(new SeededMask(seed, u < v ? MaskDirection.Subtract : MaskDirection.Add));
                        CryptographicOperations.ZeroMemory(seed);
                    }
                    pairwise[d] = masks;
                });
                _keyAgreementTicks += Stopwatch.GetTimestamp() - started;

                started = Stopwatch.GetTimestamp();
                var all = new List<SeededMask>(survivors.Length + pairwise.Sum(p => p.Count));
                all.AddRange(seeds.Select(seed => new SeededMask(seed, MaskDirection.Subtract)));
                foreach (var masks in pairwise)
                {
                    all.AddRange(masks);
                }
                SeededMask.ApplyAll(_sum, all, _threads);
                _maskExpansions = all.Count;
                _maskRemovalTicks += Stopwatch.GetTimestamp() - started;

                started = Stopwatch.GetTimestamp();
                var sum = FixedPointEncoding.Decode(_sum, _config.Quantisation);
                _decodeTicks += Stopwatch.GetTimestamp() - started;
                return new SecureAggregationResult(sum, survivors.Length, survivors, responders.Order().ToArray(),
                    tampered.OrderBy(t => t.Owner).ThenBy(t => t.Holder).ToArray(), _config.Quantisation.ErrorBound(survivors.Length));
            }
            finally
            {
                DisposeMaskingKeys();
                foreach (var key in keys)
                {
                    key?.Dispose();
                }
                foreach (var seed in seeds)
                {
                    if (seed is not null)
                    {
                        CryptographicOperations.ZeroMemory(seed);
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _stage = Stage.Finished;
            DisposeMaskingKeys();
        }
    }

    private void DisposeMaskingKeys()
    {
        foreach (var (key, publicKey) in _maskingKeys.Values)
        {
            publicKey.Dispose();
            key.Dispose();
        }
        _maskingKeys.Clear();
    }

    private bool IsMaskingKeyOf(int owner, byte[] candidate, ref ECDiffieHellman? key)
    {
        // s^SK is verified by recomputing its public key: a wrong reconstruction yields another point (or no valid scalar).
        var imported = SecureAggregationCrypto.ImportPrivateKey(candidate);
        if (imported is null)
        {
            return false;
        }
        if (!SecureAggregationCrypto.ExportPublicKey(imported).AsSpan().SequenceEqual(_advertisements[owner].MaskingPublicKey))
        {
            imported.Dispose();
            return false;
        }
        key?.Dispose();
        key = imported;
        return true;
    }

    private static void Collect(int holder, RevealedShare[] shares, Dictionary<int, List<(int Holder, ShamirShare Share)>> into)
    {
        foreach (var share in shares)
        {
            if (into.TryGetValue(share.Owner, out var list))
            {
                list.Add((holder, new ShamirShare(holder + 1, ShamirSecretSharing.DecodeValues(share.Value, SecureAggregationCrypto.SecretChunks))));
            }
        }
    }

    /// <summary>U2 \ U3 clients with a neighbour in U3: their masking keys must be reconstructed.</summary>
    private IEnumerable<int> DroppedWithSurvivingNeighbours()
    {
        foreach (var v in _u2)
        {
            if (!_u3.Contains(v) && (_graph.IsComplete ? _u3.Count > 0 : _graph.NeighboursOf(v).Any(_u3.Contains)))
            {
                yield return v;
            }
        }
    }

    /// <summary>Refuses unless at least t clients are alive overall and in the closed neighbourhood of every client in <paramref name="needing"/>.</summary>
    private void RequireSurvivors(HashSet<int> alive, IEnumerable<int> needing, string verb)
    {
        if (alive.Count < _config.Threshold)
        {
            Refuse($"only {alive.Count} of {_config.Clients} clients {verb}; the threshold is {_config.Threshold}");
        }
        if (_graph.IsComplete)
        {
            return;
        }
        foreach (var u in needing.Order())
        {
            var count = _graph.AliveInNeighbourhood(u, alive);
            if (count < _config.Threshold)
            {
                Refuse($"only {count} of client {u}'s neighbourhood of {_config.NeighbourhoodSize} {verb}; the threshold is {_config.Threshold}");
            }
        }
    }

    private void Expect(Stage stage)
    {
        if (_stage != stage)
        {
            throw new InvalidOperationException($"The server is at stage {_stage}; this call belongs to stage {stage}.");
        }
    }

    private void CheckClient(int client)
    {
        if (client < 0 || client >= _config.Clients)
        {
            throw new ArgumentException($"Client {client} is not in the round (0..{_config.Clients - 1}).", nameof(client));
        }
    }

    private void Refuse(string reason)
    {
        _stage = Stage.Finished;
        DisposeMaskingKeys();
        throw new AggregationRefusedException($"Secure aggregation round '{_config.RoundId}' refused: {reason}.");
    }
}
