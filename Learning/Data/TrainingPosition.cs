namespace OrleansGoRelay.Learning.Data;

/// <summary>One position to learn from: the planes before a move, the move played, and how the game ended.</summary>
/// <param name="Size">Board size.</param>
/// <param name="Planes"><see cref="Features.InputPlanes.Count"/> × size² bytes, as <see cref="Features.InputPlanes.Encode"/> writes them.</param>
/// <param name="Move">The move played: the policy target (y × size + x, size² for a pass).</param>
/// <param name="Outcome">The game's result for the side to move: 1 won, -1 lost, 0 drawn.</param>
/// <param name="HasOutcome">Whether the result is known (the value loss skips positions without one).</param>
/// <param name="MoveNumber">The move's number in the game, from 1.</param>
/// <param name="GameHash">The game's identity (<see cref="GameSplit.Hash"/>).</param>
public sealed record TrainingPosition(int Size, byte[] Planes, int Move, float Outcome, bool HasOutcome, int MoveNumber, ulong GameHash);
