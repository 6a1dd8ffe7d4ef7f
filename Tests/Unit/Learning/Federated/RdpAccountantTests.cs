using OrleansGoRelay.Learning.Federated.Privacy;

namespace OrleansGoRelay.Tests.Learning.Federated;

/// <summary>
/// The RDP accountant against published figures. Sources: TensorFlow Privacy (github.com/tensorflow/privacy), its
/// rdp_accountant_test.py, compute_dp_sgd_privacy_test.py, compute_noise_from_budget_test.py and tutorials/README.md,
/// before and after commit be8175b (30 Dec 2020, "Improved conversion from Renyi DP to approx DP", which switched
/// get_privacy_spent from the classic to the improved conversion and updated the expected values); Google's
/// dp_accounting (github.com/google/differential-privacy, python/dp_accounting/dp_accounting/rdp/
/// rdp_privacy_accountant_test.py); Abadi et al. 2016, "Deep Learning with Differential Privacy", Section 3.1.
/// Each test names the conversion its reference used.
/// </summary>
public sealed class RdpAccountantTests
{
    /// <summary>compute_dp_sgd_privacy's orders: [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] + 5..63 + [128, 256, 512].</summary>
    private static readonly double[] DpSgdOrders =
        [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, .. Enumerable.Range(5, 59).Select(i => (double)i), 128, 256, 512];

    /// <summary>The MNIST tutorial's orders: 1.1, 1.2, …, 10.9, then 12..63.</summary>
    private static readonly double[] TutorialOrders =
        [.. Enumerable.Range(1, 99).Select(x => 1 + x / 10.0), .. Enumerable.Range(12, 52).Select(i => (double)i)];

    [Fact]
    public void DefaultOrdersAreComputeDpSgdPrivacyOrders()
    {
        Assert.Equal(DpSgdOrders, RdpAccountant.DefaultOrders);
    }

    [Fact]
    public void SampledGaussianRdpMatchesTensorFlowPrivacyAtIntegerAndFractionalOrders()
    {
        // rdp_accountant_test.py, test_compute_rdp_sequence: compute_rdp(q = 0.01, z = 2.5, 50 steps,
        // [1.5, 2.5, 5, 50, 100]) == [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307] within 1e-5.
        double[] orders = [1.5, 2.5, 5, 50, 100];
        double[] expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
        var accountant = new RdpAccountant(orders);
        accountant.Compose(0.01, 2.5, 50);
        for (var i = 0; i < orders.Length; i++)
        {
            Assert.True(Math.Abs(accountant.Rdp[i] - expected[i]) < 1e-5, $"α = {orders[i]}: {accountant.Rdp[i]} against {expected[i]}");
        }
        // dp_accounting's rdp_privacy_accountant_test.py gives the integer orders to rtol 1e-4.
        Assert.Equal(2.18075656e-03, accountant.Rdp[2], 2.18075656e-03 * 1e-4);
        Assert.Equal(2.38460375e-02, accountant.Rdp[3], 2.38460375e-02 * 1e-4);
        Assert.Equal(1.67416308e02, accountant.Rdp[4], 1.67416308e02 * 1e-4);
        // Since 2024 dp_accounting sums the fractional series' absolute values, an upper bound: 6.70579741e-04 at 1.5.
        Assert.True(accountant.Rdp[0] < 6.70579741e-04);
    }

    [Fact]
    public void SampledGaussianRdpOfASingleOrderMatchesTensorFlowPrivacy()
    {
        // rdp_accountant_test.py, test_compute_rdp_scalar: compute_rdp(0.1, 2, 10, 5) == 0.07737 to 5 places.
        Assert.Equal(0.07737, 10 * RdpAccountant.SampledGaussianRdp(0.1, 2, 5), 5e-6);
    }

    [Theory]
    [InlineData(0.01, 2.5, 1.5)]
    [InlineData(0.2, 1.0, 2.5)]
    [InlineData(0.3, 0.8, 1.25)]
    [InlineData(0.05, 1.5, 4.5)]
    [InlineData(0.5, 2.0, 1.75)]
    public void FractionalOrderRdpEqualsTheIntegralItExpands(double q, double z, double alpha)
    {
        // A_α = E_{x∼N(0,z²)}[(1 − q + q e^((2x − 1)/(2z²)))^α] by Simpson's rule: an independent computation.
        var lower = -40 * z;
        var upper = alpha + 40 * z;
        const int intervals = 200_000;
        var h = (upper - lower) / intervals;
        double sum = 0;
        for (var i = 0; i <= intervals; i++)
        {
            var x = lower + i * h;
            var logDensity = -x * x / (2 * z * z) - Math.Log(z * Math.Sqrt(2 * Math.PI));
            var ratio = 1 - q + q * Math.Exp((2 * x - 1) / (2 * z * z));
            var weight = i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2;
            sum += weight * Math.Exp(logDensity + alpha * Math.Log(ratio));
        }
        var expected = Math.Log(sum * h / 3) / (alpha - 1);
        var rdp = RdpAccountant.SampledGaussianRdp(q, z, alpha);
        Assert.True(Math.Abs(rdp - expected) <= 1e-6 * expected, $"{rdp} against the integral's {expected}");
    }

    [Theory]
    [InlineData(1.25, 0.7)]
    [InlineData(2, 1.0)]
    [InlineData(20, 10.0)]
    [InlineData(3.5, 4.530877117)]
    public void WithoutSamplingRdpIsTheGaussianMechanismsClosedForm(double alpha, double z)
    {
        // q = 1: D_α(N(1, z²) ‖ N(0, z²)) = α/(2z²) (Mironov 2017, Proposition 7). compute_rdp(1, 10, 1, 20) == 0.1.
        Assert.Equal(alpha / (2 * z * z), RdpAccountant.SampledGaussianRdp(1, z, alpha), 1e-12);
    }

    [Fact]
    public void WithoutSamplingAnyoneNothingIsSpent()
    {
        var accountant = new RdpAccountant();
        accountant.Compose(0, 1.0, 1000);
        Assert.All(accountant.Rdp, r => Assert.Equal(0, r));
        Assert.Equal(0, accountant.Epsilon(1e-10));
        Assert.Equal(0, accountant.Delta(1e-10));
    }

    [Fact]
    public void WithoutNoiseEpsilonIsInfinite()
    {
        var accountant = new RdpAccountant();
        accountant.Compose(0.01, 0, 1);
        Assert.True(double.IsPositiveInfinity(accountant.Epsilon(0.1)));
    }

    [Fact]
    public void MomentsAccountantExampleOfAbadiEtAlGivesEpsilon126()
    {
        // Abadi et al. 2016, Section 3.1: q = 0.01, σ = 4, δ = 1e-5, T = 10,000 steps: ε ≈ 1.26 by the moments
        // accountant (9.34 by the strong composition theorem). TensorFlow Privacy's rdp_accountant_test.py before
        // be8175b, orders 2..32, classic conversion: ε = 1.258575 (5 places) at order 20.
        var accountant = new RdpAccountant(Enumerable.Range(2, 31).Select(i => (double)i));
        accountant.Compose(0.01, 4, 10_000);
        var epsilon = accountant.Epsilon(1e-5, out var order, RdpConversion.Classic);
        Assert.Equal(1.258575, epsilon, 5e-6);
        Assert.Equal(20, order);
        Assert.Equal(1e-5, accountant.Delta(1.258575, RdpConversion.Classic), 1e-5 * 1e-4);
        Assert.True(accountant.Epsilon(1e-5) < epsilon);
    }

    [Theory]
    // compute_dp_sgd_privacy_test.py: (n, batch, z, epochs, δ) → ε at the optimal order; steps = ⌈epochs·n/batch⌉.
    // Classic values before be8175b: 0.941870567 (order 19), 1.70928734 (order 13).
    // Improved values after it: 0.7242234026109595 (order 19), 1.4154988495444842 (order 13).
    [InlineData(60_000, 150, 1.3, 15, 1e-5, RdpConversion.Classic, 0.941870567, 19)]
    [InlineData(100_000, 100, 1.0, 30, 1e-7, RdpConversion.Classic, 1.70928734, 13)]
    [InlineData(60_000, 150, 1.3, 15, 1e-5, RdpConversion.Improved, 0.7242234026109595, 19)]
    [InlineData(100_000, 100, 1.0, 30, 1e-7, RdpConversion.Improved, 1.4154988495444842, 13)]
    public void DpSgdEpsilonMatchesComputeDpSgdPrivacy(int n, int batch, double z, int epochs, double delta, RdpConversion conversion, double expected, double expectedOrder)
    {
        var accountant = new RdpAccountant();
        accountant.Compose((double)batch / n, z, (long)Math.Ceiling((double)epochs * n / batch));
        var epsilon = accountant.Epsilon(delta, out var order, conversion);
        Assert.True(Math.Abs(epsilon - expected) < 1e-6 * expected, $"ε = {epsilon} against {expected}");
        Assert.Equal(expectedOrder, order);
    }

    [Theory]
    // tutorials/README.md (TensorFlow Privacy, classic conversion at the time): MNIST, 60,000 examples, batch 256,
    // 234 steps an epoch (60000 // 256), δ = 1e-5, orders 1.1..10.9 and 12..63 as in mnist_dpsgd_tutorial.py:
    // z = 1.12: ε 1.00 after 1 epoch, 1.04 after 2, 2.92 after 60; z = 0.6, 30 epochs: 9.74; z = 1.2, 10 epochs: 1.20.
    [InlineData(1.12, 1, 1.00)]
    [InlineData(1.12, 2, 1.04)]
    [InlineData(1.12, 60, 2.92)]
    [InlineData(0.6, 30, 9.74)]
    [InlineData(1.2, 10, 1.20)]
    public void MnistTutorialEpsilonsMatchTensorFlowPrivacysTable(double z, int epochs, double expected)
    {
        var accountant = new RdpAccountant(TutorialOrders);
        accountant.Compose(256.0 / 60_000, z, epochs * (60_000 / 256));
        var epsilon = accountant.Epsilon(1e-5, RdpConversion.Classic);
        // Two decimals as published (9.74 for 9.7469: the table's rounding), so within 0.01.
        Assert.True(Math.Abs(epsilon - expected) <= 0.01, $"ε = {epsilon} against {expected}");
        Assert.True(accountant.Epsilon(1e-5, RdpConversion.Improved) < epsilon);
    }

    [Fact]
    public void HeterogeneousCompositionMatchesTensorFlowPrivacy()
    {
        // rdp_accountant_test.py before be8175b, test_check_composition: (q = 1e-4, z = 0.4, 40,000 steps) then
        // (q = 0.1, z = 2, 100 steps), classic conversion at δ = 1e-5: ε = 8.509656 (5 places) at order 2.5; after
        // be8175b the improved conversion is only asserted to stay at or below it.
        double[] orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
        var accountant = new RdpAccountant(orders);
        accountant.Compose(1e-4, 0.4, 40_000);
        accountant.Compose(0.1, 2, 100);
        Assert.Equal(8.509656, accountant.Epsilon(1e-5, out var order, RdpConversion.Classic), 5e-6);
        Assert.Equal(2.5, order);
        Assert.True(accountant.Epsilon(1e-5) <= 8.509656);
        Assert.Equal(40_100, accountant.Steps);
    }

    [Fact]
    public void ImprovedConversionOfConstantRdpMatchesTheHandComputedValue()
    {
        // rdp_accountant_test.py after be8175b, test_get_privacy_spent_check_target_delta/eps: RDP 1.1 at orders
        // 2..32 (pure DP) gives ε = 1.32783806176 at order 32 for δ = 1e-5, and back: 1.1 + log(31/32) − (log 1e-5 + log 32)/31.
        var orders = Enumerable.Range(2, 31).Select(i => (double)i).ToArray();
        var rdp = orders.Select(_ => 1.1).ToArray();
        Assert.Equal(1.32783806176, RdpAccountant.EpsilonFromRdp(orders, rdp, 1e-5, out var order), 1e-9);
        Assert.Equal(32, order);
        Assert.Equal(1e-5, RdpAccountant.DeltaFromRdp(orders, rdp, 1.32783806176, out var deltaOrder), 1e-12);
        Assert.Equal(32, deltaOrder);
        // Classic: 1.1 + log(1e5)/31.
        Assert.Equal(1.1 + Math.Log(1e5) / 31, RdpAccountant.EpsilonFromRdp(orders, rdp, 1e-5, out _, RdpConversion.Classic), 1e-12);
    }

    [Fact]
    public void GaussianMechanismCalibratedToEpsilonOneIsEpsilonOne()
    {
        // Same tests, second half: z = 4.530877117 without sampling is exactly (1, 1e-6)-DP; with orders 1.000..99.999
        // in steps of 0.001 the improved conversion gives ε = 1 and δ(1) = 1e-6 (7 places).
        var orders = Enumerable.Range(1001, 98_999).Select(i => 0.001 * i).ToArray();
        var accountant = new RdpAccountant(orders);
        accountant.Compose(1, 4.530877117);
        Assert.Equal(1, accountant.Epsilon(1e-6), 1e-6);
        Assert.Equal(1e-6, accountant.Delta(1), 1e-9);
    }

    [Fact]
    public void DeltaInvertsEpsilon()
    {
        // dp_accounting's test_epsilon_delta_consistency: δ(ε(δ)) = δ for every (q, z, δ) with finite ε above 0.
        var orders = Enumerable.Range(2, 48).Select(i => (double)i).ToArray();
        foreach (var q in new[] { 0.01, 0.1, 0.8, 1.0 })
        {
            foreach (var z in new[] { 0.1, 1.0, 10.0, 100.0 })
            {
                var accountant = new RdpAccountant(orders);
                accountant.Compose(q, z);
                foreach (var delta in new[] { 0.1, 1e-3, 1e-5, 1e-9, 1e-12 })
                {
                    foreach (var conversion in new[] { RdpConversion.Improved, RdpConversion.Classic })
                    {
                        var epsilon = accountant.Epsilon(delta, conversion);
                        var back = accountant.Delta(epsilon, conversion);
                        if (epsilon > 0)
                        {
                            Assert.True(Math.Abs(back - delta) <= 1e-6 * delta, $"q {q} z {z} δ {delta} {conversion}: ε {epsilon}, δ back {back}");
                        }
                        else
                        {
                            Assert.True(back <= delta);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void MoreStepsSpendMoreAndMoreNoiseSpendsLess()
    {
        var previous = 0.0;
        foreach (var steps in new long[] { 1, 10, 100, 1000, 10_000 })
        {
            var accountant = new RdpAccountant();
            accountant.Compose(0.01, 1.1, steps);
            var epsilon = accountant.Epsilon(1e-5);
            Assert.True(epsilon > previous, $"{steps} steps: ε {epsilon} after {previous}");
            previous = epsilon;
        }
        previous = double.PositiveInfinity;
        foreach (var z in new[] { 0.5, 0.8, 1.0, 1.5, 3.0, 10.0 })
        {
            var accountant = new RdpAccountant();
            accountant.Compose(0.01, z, 1000);
            var epsilon = accountant.Epsilon(1e-5);
            Assert.True(epsilon < previous, $"z {z}: ε {epsilon} after {previous}");
            previous = epsilon;
        }
    }

    [Fact]
    public void ImprovedConversionIsNeverLooserThanClassic()
    {
        foreach (var (q, z, steps) in new[] { (0.01, 1.1, 1000L), (0.1, 0.7, 50L), (1.0, 2.0, 10L), (0.001, 5.0, 100_000L) })
        {
            var accountant = new RdpAccountant();
            accountant.Compose(q, z, steps);
            Assert.True(accountant.Epsilon(1e-5) <= accountant.Epsilon(1e-5, RdpConversion.Classic));
        }
    }

    [Theory]
    // compute_noise_from_budget_test.py (before be8175b, classic): n = 60,000, batch 150, 15 epochs, δ = 1e-5,
    // target ε 0.941870567 → z = 1.3; n = 100,000, batch 100, 30 epochs, δ = 1e-7, target 1.70928734 → z = 1.0.
    // With the improved conversion the same z reaches compute_dp_sgd_privacy's newer ε values.
    [InlineData(60_000, 150, 15, 1e-5, 0.941870567, RdpConversion.Classic, 1.3)]
    [InlineData(100_000, 100, 30, 1e-7, 1.70928734, RdpConversion.Classic, 1.0)]
    [InlineData(60_000, 150, 15, 1e-5, 0.7242234026109595, RdpConversion.Improved, 1.3)]
    public void NoiseMultiplierForABudgetMatchesComputeNoiseFromBudget(int n, int batch, int epochs, double delta, double targetEpsilon, RdpConversion conversion, double expectedNoise)
    {
        var q = (double)batch / n;
        var steps = (long)Math.Ceiling((double)epochs * n / batch);
        var z = RdpAccountant.NoiseMultiplierFor(targetEpsilon, delta, q, steps, conversion: conversion);
        Assert.True(Math.Abs(z - expectedNoise) < 1e-6, $"z = {z} against {expectedNoise}");
    }

    [Fact]
    public void NoiseMultiplierForRoundTripsThroughTheAccountant()
    {
        foreach (var (epsilon, q, steps) in new[] { (1.0, 0.01, 1000L), (8.0, 0.1, 500L), (0.5, 0.001, 20_000L) })
        {
            var z = RdpAccountant.NoiseMultiplierFor(epsilon, 1e-5, q, steps);
            var accountant = new RdpAccountant();
            accountant.Compose(q, z, steps);
            var reached = accountant.Epsilon(1e-5);
            Assert.True(reached <= epsilon, $"z = {z} spends {reached} > {epsilon}");
            Assert.True(reached > epsilon * (1 - 1e-6), $"z = {z} spends only {reached} of {epsilon}: not the smallest z");
            var slightlyLess = new RdpAccountant();
            slightlyLess.Compose(q, z * (1 - 1e-6), steps);
            Assert.True(slightlyLess.Epsilon(1e-5) > epsilon);
        }
        Assert.Equal(0, RdpAccountant.NoiseMultiplierFor(1, 1e-5, 0, 100));
    }

    [Fact]
    public void BudgetStopsBeforeTheRoundThatWouldOverspendIt()
    {
        var budget = new PrivacyBudget(2.0, 1e-5);
        var accountant = new RdpAccountant();
        var epsilons = new List<double>();
        while (budget.Admits(accountant, 0.05, 1.0))
        {
            accountant.Compose(0.05, 1.0);
            epsilons.Add(budget.Spent(accountant));
        }
        Assert.NotEmpty(epsilons);
        Assert.True(epsilons[^1] <= 2.0);
        Assert.True(epsilons.Zip(epsilons.Skip(1)).All(p => p.First < p.Second), "ε grows every round");
        // A fresh accountant one step further is past the budget, and remaining steps agree with the loop.
        var oneMore = new RdpAccountant();
        oneMore.Compose(0.05, 1.0, epsilons.Count + 1);
        Assert.True(oneMore.Epsilon(1e-5) > 2.0);
        Assert.Equal(epsilons.Count, budget.RemainingSteps(new RdpAccountant(), 0.05, 1.0));
        Assert.Equal(0, budget.RemainingSteps(accountant, 0.05, 1.0));
    }

    [Fact]
    public void StateRoundTripResumesTheSameAccount()
    {
        var accountant = new RdpAccountant();
        accountant.Compose(0.02, 1.3, 700);
        var resumed = RdpAccountant.FromState(accountant.State);
        Assert.Equal(accountant.Rdp, resumed.Rdp);
        Assert.Equal(700, resumed.Steps);
        accountant.Compose(0.02, 1.3, 300);
        resumed.Compose(0.02, 1.3, 300);
        Assert.Equal(accountant.Epsilon(1e-5), resumed.Epsilon(1e-5));
        var straight = new RdpAccountant();
        straight.Compose(0.02, 1.3, 1000);
        Assert.Equal(straight.Epsilon(1e-5), resumed.Epsilon(1e-5), 1e-10);
    }

    [Fact]
    public void OrdersAtOrBelowOneAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RdpAccountant([1.0, 2.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpAccountant.SampledGaussianRdp(0.5, 1, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdpAccountant.SampledGaussianRdp(1.5, 1, 2));
    }

    [Theory]
    // Python's math.erfc (the C library's correctly rounded-in-practice erfc).
    [InlineData(-1.5, 1.9661051464753108)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.3, 0.6713732405408726)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.9, 0.0072095707647425325)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(26.0, 5.663192408856143e-296)]
    public void ErfcMatchesReferenceValues(double x, double expected)
    {
        Assert.True(Math.Abs(SpecialFunctions.Erfc(x) - expected) <= 1e-13 * expected, $"erfc({x}) = {SpecialFunctions.Erfc(x)}");
        Assert.True(Math.Abs(SpecialFunctions.LogErfc(x) - Math.Log(expected)) <= 1e-12 * Math.Max(1, Math.Abs(Math.Log(expected))));
    }

    [Fact]
    public void LogErfcFollowsTheAsymptoticSeriesWhereErfcUnderflows()
    {
        // log erfc(x) = −x² − log x − ½ log π + log(1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸) …).
        Assert.Equal(-903.9741171106439, SpecialFunctions.LogErfc(30), 1e-9);
        Assert.Equal(-10005.177585122667, SpecialFunctions.LogErfc(100), 1e-8);
        Assert.Equal(0, SpecialFunctions.Erfc(30));
    }

    [Fact]
    public void Log1PAndExpM1KeepTheirDigitsNearZero()
    {
        // Python's math.log1p and math.expm1.
        Assert.Equal(9.999999999500001e-11, SpecialFunctions.Log1P(1e-10), 1e-25);
        Assert.Equal(-0.35667494393873234, SpecialFunctions.Log1P(-0.3), 1e-15);
        Assert.Equal(1.0000000050000001e-08, SpecialFunctions.ExpM1(1e-8), 1e-23);
        Assert.Equal(-0.2591817793182821, SpecialFunctions.ExpM1(-0.3), 1e-15);
        Assert.Equal(19.085536923187668, SpecialFunctions.ExpM1(3), 1e-13);
    }
}
