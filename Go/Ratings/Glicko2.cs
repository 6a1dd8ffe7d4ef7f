namespace OrleansGoRelay.Go.Ratings;

/// <summary>A Glicko-2 rating on the Glicko scale (1500 start, deviation 350, volatility 0.06).</summary>
/// <param name="Value">The rating.</param>
/// <param name="Deviation">The rating deviation (RD): how uncertain the rating is.</param>
/// <param name="Volatility">The volatility σ: how erratic the player's results are.</param>
public readonly record struct Glicko2Rating(double Value, double Deviation, double Volatility)
{
    /// <summary>A new player's rating.</summary>
    public static readonly Glicko2Rating Initial = new(1500, 350, 0.06);
}

/// <summary>One game of a rating period, from the rated player's side.</summary>
/// <param name="Opponent">The opponent's rating at the start of the period (handicap-adjusted when it was a handicap game).</param>
/// <param name="Score">1 win, 0.5 draw, 0 loss.</param>
public readonly record struct Glicko2Game(Glicko2Rating Opponent, double Score);

/// <summary>
/// Glicko-2 as in Mark Glickman's "Example of the Glicko-2 system" (2013), steps 1–8, which is what OGS runs:
/// all games of a rating period update the rating together; a period without games only widens the deviation.
/// </summary>
/// <param name="Tau">The system constant τ constraining volatility change (0.3–1.2; Glickman's example uses 0.5).</param>
/// <param name="Epsilon">The convergence tolerance of the volatility iteration.</param>
public sealed record Glicko2Calculator(double Tau = 0.5, double Epsilon = 1e-6)
{
    /// <summary>The factor between the Glicko and Glicko-2 scales.</summary>
    public const double Scale = 173.7178;

    /// <summary>The player's rating after a rating period with these games.</summary>
    public Glicko2Rating Update(Glicko2Rating player, IReadOnlyCollection<Glicko2Game> games)
    {
        ArgumentNullException.ThrowIfNull(games);
        // Step 2: to the Glicko-2 scale.
        var mu = (player.Value - 1500) / Scale;
        var phi = player.Deviation / Scale;
        var sigma = player.Volatility;
        if (games.Count == 0)
        {
            // Step 6 alone: only the deviation grows.
            return player with { Deviation = Math.Sqrt(phi * phi + sigma * sigma) * Scale };
        }
        // Steps 3 and 4: the estimated variance v and improvement Δ.
        double inverseV = 0, sum = 0;
        foreach (var game in games)
        {
            var muJ = (game.Opponent.Value - 1500) / Scale;
            var g = G(game.Opponent.Deviation / Scale);
            var e = E(mu, muJ, g);
            inverseV += g * g * e * (1 - e);
            sum += g * (game.Score - e);
        }
        var v = 1 / inverseV;
        var delta = v * sum;
        // Step 5: the new volatility (Illinois iteration).
        var newSigma = NewVolatility(phi, sigma, v, delta);
        // Steps 6 and 7: the new deviation and rating.
        var phiStar = Math.Sqrt(phi * phi + newSigma * newSigma);
        var newPhi = 1 / Math.Sqrt(1 / (phiStar * phiStar) + 1 / v);
        var newMu = mu + newPhi * newPhi * sum;
        // Step 8: back to the Glicko scale.
        return new Glicko2Rating(newMu * Scale + 1500, newPhi * Scale, newSigma);
    }

    /// <summary>The expected score of a player against an opponent (the opponent's deviation discounts the gap).</summary>
    public static double ExpectedScore(Glicko2Rating player, Glicko2Rating opponent) =>
        E((player.Value - 1500) / Scale, (opponent.Value - 1500) / Scale, G(Math.Sqrt(player.Deviation * player.Deviation + opponent.Deviation * opponent.Deviation) / Scale));

    private static double G(double phi) => 1 / Math.Sqrt(1 + 3 * phi * phi / (Math.PI * Math.PI));

    private static double E(double mu, double muJ, double g) => 1 / (1 + Math.Exp(-g * (mu - muJ)));

    private double NewVolatility(double phi, double sigma, double v, double delta)
    {
        var a = Math.Log(sigma * sigma);
        var tau2 = Tau * Tau;
        double F(double x)
        {
            var ex = Math.Exp(x);
            var d = phi * phi + v + ex;
            return ex * (delta * delta - phi * phi - v - ex) / (2 * d * d) - (x - a) / tau2;
        }
        var lower = a;
        double upper;
        if (delta * delta > phi * phi + v)
        {
            upper = Math.Log(delta * delta - phi * phi - v);
        }
        else
        {
            var k = 1;
            while (F(a - k * Tau) < 0)
            {
                k++;
            }
            upper = a - k * Tau;
        }
        double fLower = F(lower), fUpper = F(upper);
        while (Math.Abs(upper - lower) > Epsilon)
        {
            var c = lower + (lower - upper) * fLower / (fUpper - fLower);
            var fC = F(c);
            if (fC * fUpper <= 0)
            {
                lower = upper;
                fLower = fUpper;
            }
            else
            {
                fLower /= 2;
            }
            upper = c;
            fUpper = fC;
        }
        return Math.Exp(lower / 2);
    }
}
