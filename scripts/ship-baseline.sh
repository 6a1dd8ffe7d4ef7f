#!/usr/bin/env bash
# Ships the baseline run's newest checkpoint: exports it (fp32 and int8) into models/baseline, measures it (model eval
# on the held-out 9-dan games; versus GNU Go level 10 on 19x19), writes the model card from those outputs, and copies
# the checkpoint into models/training/baseline so a fresh clone resumes the run from it.
#   scripts/ship-baseline.sh                 everything (GAMES=20 games against GNU Go, PARALLEL=2 at once)
#   SKIP_VERSUS=1 scripts/ship-baseline.sh   keep the last versus result (the card says which model it was)
set -euo pipefail
cd "$(dirname "$0")/.."
run=${RUN:-.data/training/baseline}
out=models/baseline
data=../shared/data/tom-9d-2003-2009.sgf.gz
[ -f Cli/bin/Release/net10.0/gorelay.dll ] || dotnet build Cli -c Release -v quiet
# Measure from a copy of the build, so a rebuild during the long versus games cannot pull it from under them.
app=$(mktemp -d) && trap 'rm -rf "$app"' EXIT && cp -r Cli/bin/Release/net10.0/. "$app"
gorelay() { dotnet "$app/gorelay.dll" "$@"; }
mkdir -p "$out"
gorelay model export --checkpoint "$run" --out "$out/model.onnx"
gorelay model export --checkpoint "$run" --out "$out/model-int8.onnx" --int8
gorelay model eval --model "$out/model.onnx" "$data" --part validation | tee "$out/eval-fp32.txt"
gorelay model eval --model "$out/model-int8.onnx" "$data" --part validation | tee "$out/eval-int8.txt"
if [ -z "${SKIP_VERSUS:-}" ]; then
  sha=$(sha256sum "$out/model-int8.onnx" | cut -c1-16)
  { echo "model-int8.onnx (sha256 $sha...) against GNU Go 3.8 level 10, 19x19, komi 7.5, Chinese rules, colours alternating:"
    gorelay versus --engine "dotnet $app/gorelay.dll gtp --model $out/model-int8.onnx" --games "${GAMES:-20}" --parallel "${PARALLEL:-2}"
  } | tee "$out/versus-gnugo-level10.txt"
fi
latest=$(ls -d "$run"/step-* | sort | tail -1)
gorelay model card --checkpoint "$latest" --model "$out/model.onnx" "$out/model-int8.onnx" \
  --result "Move and value accuracy on held-out 9-dan games (fp32; gorelay model eval --part validation)=$out/eval-fp32.txt" \
  --result "The same, int8=$out/eval-int8.txt" \
  --result "Against GNU Go level 10 (gorelay versus)=$out/versus-gnugo-level10.txt" \
  --out "$out/MODEL_CARD.md"
rm -rf models/training/baseline && mkdir -p models/training/baseline && cp -r "$latest" models/training/baseline/
echo "shipped $(basename "$latest") into $out; checkpoint in models/training/baseline"
