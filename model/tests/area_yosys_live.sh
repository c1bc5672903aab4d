#!/usr/bin/env bash
# Re-synthesizes a held-out point of the area calibration with Yosys now (the softmax unit at
# MaxTokens 256: its logic and its four memories, a minute or two) and holds the model to it with the same
# tests and bound as the committed data: a change of the RTL that the committed calibration no
# longer describes fails here.
set -euo pipefail
python="$1" script="$2" gen="$3" test_area="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" "$script" --gen-dir "$gen" --data "$work" --only softmax_unit --points holdout --limit 1 --no-fit
SINKATTN_AREA_DATA="$work" "$test_area" --gtest_filter='Area.LogicWithinBoundOfYosysOnHeldOutPoints:Area.MemoryInventoryMatchesYosys'
