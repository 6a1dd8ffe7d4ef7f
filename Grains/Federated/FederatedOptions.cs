using OrleansGoRelay.Contracts.Federated;

namespace OrleansGoRelay.Grains.Federated;

/// <summary>Federated rounds, the registry's gate and the rewards (configuration section <c>Fl</c>).</summary>
public sealed class FederatedOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fl";

    /// <summary>The least stake (base units in a relay's <c>stake:</c> escrow) a relay needs to be sampled (0.01 MCP).</summary>
    public long MinStake { get; set; } = 10_000_000;

    /// <summary>Top-1 gain (fraction) that promotes a candidate outright (0.01 = one point).</summary>
    public double PromotionMargin { get; set; } = 0.01;

    /// <summary>The SPRT's alternative p = 0.5 + δ on discordant positions.</summary>
    public double SprtDelta { get; set; } = 0.1;

    /// <summary>Game collections (SGF, one game a line, gzip allowed) the held-out validation positions come from; never given to relays.</summary>
    public List<string> ValidationGames { get; set; } = [];

    /// <summary>
    /// Read only the held-out part of <see cref="ValidationGames"/> (the games <c>GameSplit</c> puts in validation): for
    /// collections the genesis model was trained on, such as the shipped baseline's. Off for files nobody trains on.
    /// </summary>
    public bool ValidationSplitOnly { get; set; }

    /// <summary>Validation positions the gate measures on.</summary>
    public int ValidationPositions { get; set; } = 4000;

    /// <summary>Of those, the positions the update validator and the Shapley estimate use (evaluated many times a round).</summary>
    public int QuickValidationPositions { get; set; } = 1000;

    /// <summary>The genesis model: a training checkpoint folder, or null for a seeded random start of <see cref="Genesis"/>.</summary>
    public string? GenesisCheckpoint { get; set; }

    /// <summary>The genesis model's shape when it starts from random weights.</summary>
    public GenesisShape Genesis { get; set; } = new();

    /// <summary>What each relay trains when a round request names no plan.</summary>
    public LocalTrainingPlan DefaultLocal { get; set; } = new();

    /// <summary>Base units each completed round shares among its trainers (from the reward pool; 1 MCP).</summary>
    public long RoundPool { get; set; } = 1_000_000_000;

    /// <summary>Consecutive rounds a sampled relay fails (not included) before it is quarantined.</summary>
    public int QuarantineAfterFailedRounds { get; set; } = 3;

    /// <summary>Collections whose openings and shapes game rarity is measured against (the stamped games join them).</summary>
    public List<string> RarityCorpus { get; set; } = [];

    /// <summary>The most corpus games read for rarity.</summary>
    public int RarityCorpusGames { get; set; } = 2000;

    /// <summary>Threads the silo's model work (validation, aggregation) may use; 0 = the machine's cores.</summary>
    public int Threads { get; set; }
}

/// <summary>A random genesis model's shape.</summary>
public sealed class GenesisShape
{
    public int BoardSize { get; set; } = 19;
    public int Blocks { get; set; } = 2;
    public int Channels { get; set; } = 16;
    public int ValueHidden { get; set; } = 32;
    public int Seed { get; set; } = 1;
}
