namespace OrleansGoRelay.Learning.Federated.Aggregation;

/// <summary>
/// The moment estimates and update of FedAdam and FedYogi (Reddi et al. 2021, Algorithm 2):
/// m ← β₁·m + (1 − β₁)·Δ; v as the caller's rule says; x ← x + η·m / (√v + τ). As in the paper, m starts at 0 and
/// v at τ² (the paper asks v₋₁ ≥ τ²; we take the bound), and there is no bias correction. Each coordinate is computed
/// in double and stored in float.
/// </summary>
internal sealed class AdaptiveMoments
{
    private readonly double _learningRate;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _tau;
    private readonly bool _yogi;
    private float[]? _m;
    private float[]? _v;
    private long _steps;

    public AdaptiveMoments(double learningRate, double beta1, double beta2, double tau, bool yogi)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The server learning rate must be positive.");
        }
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        }
        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        }
        if (!(tau > 0) || !double.IsFinite(tau))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ (the adaptivity) must be positive.");
        }
        (_learningRate, _beta1, _beta2, _tau, _yogi) = (learningRate, beta1, beta2, tau, yogi);
    }

    public float[] Apply(float[] weights, float[] delta)
    {
        ServerOptimizers.CheckStep(weights, delta, _m?.Length);
        if (_m is null || _v is null)
        {
            _m = new float[weights.Length];
            _v = new float[weights.Length];
            Array.Fill(_v, (float)(_tau * _tau));
        }
        var m = _m;
        var v = _v;
        var next = new float[weights.Length];
        Coordinatewise.ForEachChunk(weights.Length, (start, count) =>
        {
            for (var i = start; i < start + count; i++)
            {
                double d = delta[i];
                var mi = (_beta1 * m[i]) + ((1 - _beta1) * d);
                var squared = d * d;
                double vi = v[i];
                vi = _yogi
                    ? vi - ((1 - _beta2) * squared * Math.Sign(vi - squared))
                    : (_beta2 * vi) + ((1 - _beta2) * squared);
                m[i] = (float)mi;
                v[i] = (float)vi;
                next[i] = (float)(weights[i] + (_learningRate * mi / (Math.Sqrt(vi) + _tau)));
            }
        });
        _steps++;
        return next;
    }

    public ServerOptimizerState Export(string name) => new(name, _steps, ServerOptimizers.Copy(_m), ServerOptimizers.Copy(_v));

    public void Import(ServerOptimizerState state, string name)
    {
        ServerOptimizers.CheckImport(state, name);
        if ((state.FirstMoment is null) != (state.SecondMoment is null)
            || (state.FirstMoment is not null && state.FirstMoment.Length != state.SecondMoment!.Length))
        {
            throw new ArgumentException("The state's first and second moments must both be present, of one length, or both absent.", nameof(state));
        }
        _m = ServerOptimizers.Copy(state.FirstMoment);
        _v = ServerOptimizers.Copy(state.SecondMoment);
        _steps = state.Steps;
    }
}
