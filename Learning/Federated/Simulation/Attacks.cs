namespace OrleansGoRelay.Learning.Federated.Simulation;

/// <summary>What a malicious client sends instead of its honest update.</summary>
public enum AttackKind
{
    /// <summary>Honest.</summary>
    None,

    /// <summary>The honest update reversed and amplified: −<see cref="Attack.Factor"/> × Δ (Karimireddy et al. 2021's sign flip, scaled).</summary>
    SignFlip,

    /// <summary>The honest update amplified: <see cref="Attack.Factor"/> × Δ (model replacement, Bagdasaryan et al. 2020).</summary>
    Scale,

    /// <summary>Gaussian noise with <see cref="Attack.Factor"/> times the honest update's per-coordinate RMS as its deviation.</summary>
    Noise,
}

/// <summary>A Byzantine client's behaviour.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Factor">How hard (sign flip and scale: the multiplier; noise: the deviation in units of the honest RMS).</param>
public sealed record Attack(AttackKind Kind, double Factor)
{
    /// <summary>The attack's default strength: sign flip ×4, scale ×10, noise 10 × the honest RMS.</summary>
    public static Attack Default(AttackKind kind) => new(kind, kind switch { AttackKind.SignFlip => 4, AttackKind.Scale => 10, AttackKind.Noise => 10, _ => 1 });

    /// <summary>Turns the honest delta into what the attacker sends (seeded, so a simulation repeats).</summary>
    public float[] Apply(float[] honest, int seed)
    {
        ArgumentNullException.ThrowIfNull(honest);
        var sent = (float[])honest.Clone();
        switch (Kind)
        {
            case AttackKind.None:
                break;
            case AttackKind.SignFlip:
                VectorMath.Scale(sent, (float)-Factor);
                break;
            case AttackKind.Scale:
                VectorMath.Scale(sent, (float)Factor);
                break;
            case AttackKind.Noise:
                var rms = VectorMath.L2Norm(honest) / Math.Sqrt(Math.Max(1, honest.Length));
                var random = new Random(seed);
                for (var i = 0; i < sent.Length; i++)
                {
                    sent[i] = (float)(Factor * rms * random.NextGaussian());
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(honest), Kind, "unknown attack");
        }
        return sent;
    }
}

internal static class RandomGaussian
{
    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double NextGaussian(this Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
