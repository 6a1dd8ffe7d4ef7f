using System.Threading.Channels;

namespace OrleansGoRelay.Learning.Inference;

/// <summary>
/// Batches concurrent predictions into one ONNX Runtime run: a request waits only while the model is busy with the
/// previous batch, and everything that queued up meanwhile (at most <see cref="MaxBatch"/>) goes in the next run. A
/// lone request is therefore run at once (no timer delays it), and under load the batch grows with the queue, so
/// throughput grows with load. One loop owns the model; callers only enqueue.
/// </summary>
public sealed class BatchingPredictor : IAsyncDisposable
{
    private readonly OnnxMovePredictor _model;
    private readonly Channel<(float[] Planes, TaskCompletionSource<MovePrediction> Done)> _queue =
        Channel.CreateUnbounded<(float[], TaskCompletionSource<MovePrediction>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _batches;
    private long _predictions;

    /// <summary>Serves <paramref name="model"/> with batches of at most <paramref name="maxBatch"/> positions.</summary>
    public BatchingPredictor(OnnxMovePredictor model, int maxBatch = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = model;
        MaxBatch = maxBatch;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The most positions one run takes.</summary>
    public int MaxBatch { get; }

    /// <summary>The board size the model reads.</summary>
    public int BoardSize => _model.BoardSize;

    /// <summary>Mean positions per run so far.</summary>
    public double MeanBatch => Interlocked.Read(ref _batches) == 0 ? 0 : (double)Interlocked.Read(ref _predictions) / Interlocked.Read(ref _batches);

    /// <summary>The prediction for one position's planes.</summary>
    public Task<MovePrediction> PredictAsync(float[] planes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(planes);
        var done = new TaskCompletionSource<MovePrediction>(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite((planes, done)), this);
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var batch = new List<(float[] Planes, TaskCompletionSource<MovePrediction> Done)>(MaxBatch);
        var perPosition = Features.InputPlanes.Count * BoardSize * BoardSize;
        var input = new float[MaxBatch * perPosition];
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
            }
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Planes.AsSpan(0, perPosition).CopyTo(input.AsSpan(i * perPosition));
                }
                var predictions = _model.Predict(input, batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(predictions[i]);
                }
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _predictions, batch.Count);
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(e);
                }
            }
        }
    }

    /// <summary>Stops taking requests, finishes those queued, and releases nothing else (the caller owns the model).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
