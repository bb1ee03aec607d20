#!/usr/bin/env bash
# Fuzzes `pneumo serve` against its own OpenAPI description with schemathesis: every
# response must match the schema and none may be a 5xx. Not part of CI (it needs PyPI and
# takes minutes); run it after changing the API or docs/openapi.json.
#
# It trains a throwaway checkpoint (1 epoch, 32x32 inputs, width 4, seed-cnn) on 8 X-rays of
# each class from DATA_DIR, serves it on a free loopback port, fuzzes, and stops the server.
# schemathesis goes into .venv-schemathesis (git-ignored); the checkpoint and the server log
# into a temporary folder, kept on failure.
#
# Usage: Scripts/schemathesis.sh [DATA_DIR] [extra schemathesis options]
#   DATA_DIR: a chest_xray folder with train/ and val/ (default ../shared/data/chest_xray)
#   MAX_EXAMPLES (default 50) examples per operation, MAX_TIME (default 120) seconds in all.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/chest_xray}"
shift || true
for class in NORMAL PNEUMONIA; do
    [ -d "$data/train/$class" ] || { echo "No $data/train/$class: pass a chest_xray folder holding train/ and val/." >&2; exit 2; }
done

if [ ! -x .venv-schemathesis/bin/schemathesis ]; then
    python3 -m venv .venv-schemathesis
    .venv-schemathesis/bin/pip install --quiet schemathesis
fi
swift build --product pneumo 2>&1 | grep -E "error|warning: .*Sources/" || true
pneumo="$(swift build --show-bin-path)/pneumo"

work="$(mktemp -d)"
# A small data set of links: training on the whole set would take far longer than fuzzing.
for split in train val; do
    for class in NORMAL PNEUMONIA; do
        mkdir -p "$work/data/$split/$class"
        source="$data/$split/$class"
        [ "$split" = val ] && [ ! -d "$source" ] && source="$data/train/$class"
        mapfile -t files < <(find "$(cd "$source" && pwd)" -maxdepth 1 -iname '*.jpeg' | sort)
        ln -s "${files[@]:0:8}" "$work/data/$split/$class/"
    done
done
echo "Training a throwaway checkpoint in $work/run"
"$pneumo" train --data "$work/data" --model seed-cnn --epochs 1 --input-size 32 --width 4 --batch-size 8 \
    --no-cache --out "$work/run" > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
mapfile -t checkpoints < <(find "$work/run" -name '*.safetensors' | sort)
checkpoint="${checkpoints[0]:-}"
[ -n "$checkpoint" ] || { echo "No checkpoint in $work/run; see $work/train.log" >&2; exit 1; }

"$pneumo" serve --model "$checkpoint" --port 0 > "$work/serve.out" 2> "$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    url="$(grep -o 'http://[^ ]*' "$work/serve.out" || true)"
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.2
done
[ -n "$url" ] || { echo "The server did not start; see $work/serve.log" >&2; exit 1; }
echo "Fuzzing ${url}openapi.json"

status=0
# positive_data_acceptance is left out: a schema cannot say "a JPEG the decoder reads", so
# schema-valid random bytes are rightly refused with 400 not_a_jpeg.
.venv-schemathesis/bin/schemathesis run "${url}openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "${MAX_EXAMPLES:-50}" --max-time "${MAX_TIME:-120}" \
    --request-timeout 30 --seed 1 --no-color "$@" || status=$?
echo "What the server counted (from ${url}metrics):"
curl -s "${url}metrics" | grep -E '^(hb_requests\{|pneumo_)' | grep -v _bucket || true
if [ "$status" -eq 0 ]; then
    rm -rf "$work"
else
    echo "schemathesis found problems; the server log is in $work/serve.log" >&2
fi
exit "$status"
