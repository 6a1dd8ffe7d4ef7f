using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrleansGoRelay.Learning.Features;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>What the model says about one position.</summary>
/// <param name="Policy">Logits for every point (y × size + x) and the pass last.</param>
/// <param name="Value">Expected outcome for the side to move, −1..1.</param>
public sealed record MovePrediction(float[] Policy, float Value);

/// <summary>
/// A move-prediction model served by ONNX Runtime (fp32 or int8): batches of encoded positions in, policy logits and
/// values out. One session per instance; <see cref="InferenceSession.Run(IReadOnlyCollection{NamedOnnxValue})"/> is
/// thread-safe, so one predictor serves many callers.
/// </summary>
public sealed class OnnxMovePredictor : IDisposable
{
    private readonly InferenceSession _session;

    /// <summary>Loads a model from bytes; <paramref name="threads"/> bounds the threads one prediction uses.</summary>
    public OnnxMovePredictor(byte[] model, int threads = 1)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(model, options);
        var planes = _session.InputMetadata["planes"].Dimensions;
        BoardSize = planes[^1];
        if (planes[1] != InputPlanes.Count || planes[^2] != BoardSize)
        {
            _session.Dispose();
            throw new InvalidDataException($"The model reads {planes[1]} planes of {planes[^2]}x{planes[^1]}; this build encodes {InputPlanes.Count}.");
        }
    }

    /// <summary>Loads a model file.</summary>
    public static OnnxMovePredictor Load(string path, int threads = 1) => new(File.ReadAllBytes(path), threads);

    /// <summary>The board size the model was built for.</summary>
    public int BoardSize { get; }

    /// <summary>Predicts for <paramref name="count"/> positions whose planes (floats, as <see cref="InputPlanes.Encode"/> lays them out) fill <paramref name="planes"/>.</summary>
    public MovePrediction[] Predict(float[] planes, int count)
    {
        ArgumentNullException.ThrowIfNull(planes);
        var input = new DenseTensor<float>(planes.AsMemory(0, count * InputPlanes.Count * BoardSize * BoardSize), [count, InputPlanes.Count, BoardSize, BoardSize]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor("planes", input)]);
        var policy = results.First(r => r.Name == "policy").AsTensor<float>();
        var value = results.First(r => r.Name == "value").AsTensor<float>();
        var moves = BoardSize * BoardSize + 1;
        var predictions = new MovePrediction[count];
        for (var i = 0; i < count; i++)
        {
            var logits = new float[moves];
            for (var m = 0; m < moves; m++)
            {
                logits[m] = policy[i, m];
            }
            predictions[i] = new MovePrediction(logits, value[i]);
        }
        return predictions;
    }

    public void Dispose() => _session.Dispose();
}
