#!/usr/bin/env bash
# Starts, or resumes, the baseline model's training run in the background (nice 19, so builds and tests come first).
# The run lives in .data/training/baseline (checkpoints every 10 min; a SIGKILL loses at most that); its log is
# .data/training/baseline.log. Run it again in a new session to resume exactly where the last checkpoint left off.
#   scripts/train-baseline.sh          start or resume
#   scripts/train-baseline.sh stop     SIGTERM: it finishes its step, writes a checkpoint and exits
set -euo pipefail
cd "$(dirname "$0")/.."
run=.data/training/baseline
log=.data/training/baseline.log
mkdir -p .data/training
if [ "${1:-}" = "stop" ]; then
  pkill -TERM -f "model train.*--checkpoints $run" && echo "asked the run to checkpoint and stop" || echo "no run going"
  exit 0
fi
if pgrep -f "model train.*--checkpoints $run" >/dev/null; then
  echo "the baseline run is already going; tail -f $log"
  exit 0
fi
[ -f Cli/bin/Release/net10.0/gorelay.dll ] || dotnet build Cli -c Release -v quiet
# The run works from its own copy of the build: a rebuild rewrites bin/ under a running process, which can crash it.
rm -rf .data/training/app && cp -r Cli/bin/Release/net10.0 .data/training/app
dll=.data/training/app/gorelay.dll
# A fresh clone has no .data: it resumes from the checkpoint committed in models/training/baseline.
if ! ls "$run"/step-* >/dev/null 2>&1 && ls models/training/baseline/step-* >/dev/null 2>&1; then
  mkdir -p "$run" && cp -r "$(ls -d models/training/baseline/step-* | sort | tail -1)" "$run"/
fi
# The run's length. 4,000 steps of 128 (512,000 positions, about 1.3 CPU-hours on this 2-core machine) is what one
# session can afford beside other work, and a cosine schedule only pays off once it has decayed: a short run that
# finishes beats a long one stopped at its peak learning rate. Raise it (BASELINE_STEPS=...) to lengthen the run; a
# resumed run stretches its schedule to the new total from where it stands.
steps=${BASELINE_STEPS:-4000}
if ls "$run"/step-* >/dev/null 2>&1; then
  args=(--checkpoints "$run" --resume --steps "$steps")
else
  # 6 blocks x 48 channels: about half the cost per position of 6 x 64 for most of its accuracy.
  args=(../shared/data/tom-9d-2003-2009.sgf.gz --checkpoints "$run" --blocks 6 --channels 48 --steps "$steps" --batch 128
        --optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 1e-4 --schedule cosine --warmup 500 --value-weight 0.25
        --shuffle-buffer 20000 --seed 1 --checkpoint-every 600 --validation-positions 2000)
fi
nohup nice -n 19 dotnet "$dll" model train "${args[@]}" >>"$log" 2>&1 &
echo "training in the background (pid $!); tail -f $log"
