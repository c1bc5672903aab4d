#!/usr/bin/env bash
# Re-synthesizes held-out points of the area calibration with Yosys now (the softmax unit's and
# the top-k engine's, a few minutes at most) and holds the area model to them with the same
# tests and bound as the committed data: a change of the RTL that the committed calibration no
# longer describes fails here.
set -euo pipefail
python="$1" script="$2" gen="$3" test_area="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" "$script" --gen-dir "$gen" --data "$work" --only softmax_unit topk_engine --points holdout --no-fit
SINKATTN_AREA_DATA="$work" "$test_area" --gtest_filter='Area.LogicWithinBoundOfYosysOnHeldOutPoints:Area.MemoryInventoryMatchesYosys'
