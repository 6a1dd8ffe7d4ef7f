namespace OrleansGoRelay.Learning.Model;

/// <summary>The network's shape.</summary>
/// <param name="BoardSize">Board size the net reads and predicts for.</param>
/// <param name="Blocks">Residual blocks (two 3×3 convolutions each).</param>
/// <param name="Channels">Channels of every convolution in the tower.</param>
/// <param name="ValueHidden">Width of the value head's hidden layer.</param>
public sealed record NetConfig(int BoardSize = 19, int Blocks = 6, int Channels = 64, int ValueHidden = 64)
{
    /// <summary>Policy outputs: every point, then the pass.</summary>
    public int Moves => BoardSize * BoardSize + 1;

    /// <summary>Multiply-adds per position (convolutions and the heads' matrices), for the FLOP-bound estimate.</summary>
    public long MultiplyAddsPerPosition
    {
        get
        {
            long area = BoardSize * BoardSize;
            var stem = area * Features.InputPlanes.Count * Channels * 9;
            var tower = 2L * Blocks * area * Channels * Channels * 9;
            var heads = area * Channels * 3 + 2 * area * Moves + area * ValueHidden + ValueHidden;
            return stem + tower + heads;
        }
    }
}
