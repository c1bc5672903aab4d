#!/usr/bin/env bash
# Every bad input must end with exit status 2 and one line "error: FILE: FIELD: REASON" that
# names what is wrong; never a crash (status >= 128) and never success.
set -u
bin="$1"
py=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0 passed=0

expect_error() {  # expect_error "description" "needle1|needle2..." -- command...
  local what="$1" needles="$2"
  shift 3
  local err status
  err="$("$@" 2>&1 >/dev/null)"
  status=$?
  local ok=1
  [ "$status" -eq 2 ] || ok=0
  IFS='|' read -ra parts <<<"$needles"
  for n in "${parts[@]}"; do [[ "$err" == *"$n"* ]] || ok=0; done
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1))
  else
    failures=$((failures + 1))
    echo "FAIL: $what: status $status, stderr: $err (wanted: $needles)"
  fi
}

# A small valid trace to corrupt.
"$bin" gen-trace --out "$work/good" --layers 2 --q-heads 4 --kv-heads 2 --head-dim 16 --tokens 64 --prompt 32 --quiet
cp_trace() { rm -rf "$work/$1"; cp -r "$work/good" "$work/$1"; }
npy() {  # npy DIR NAME PYTHON-EXPR: replace DIR/NAME.npy with np.save of the expression
  "$py" -c "import numpy as np; np.save('$work/$1/$2.npy', $3)"
}

# --- CLI flags
expect_error "unknown flag" "command line|--bogus" -- "$bin" golden --trace "$work/good" --bogus
expect_error "missing --trace" "command line|--trace" -- "$bin" golden
# --loss-windows needs a model workload: a trace whose meta.json names the model's checkpoint.
expect_error "loss on a synthetic trace" "good/meta.json|generator.model.checkpoint|not a model workload" -- \
  "$bin" golden --trace "$work/good" --loss-windows 2 --quiet
cp_trace model_gone
"$py" -c "import json; p='$work/model_gone/meta.json'; m=json.load(open(p)); m['generator'] = {'model': {'checkpoint': '$work/none.pt'}}; json.dump(m, open(p, 'w'))"
expect_error "loss with a missing checkpoint" "model_gone/meta.json|generator.model.checkpoint|none.pt does not exist" -- \
  "$bin" golden --trace "$work/model_gone" --loss-windows 2 --quiet
expect_error "no subcommand" "command line" -- "$bin"
expect_error "non-integer flag" "command line|--layers" -- "$bin" gen-trace --out "$work/x" --layers four
expect_error "gen-trace rule" "gen-trace|--kv-heads|multiple" -- "$bin" gen-trace --out "$work/x" --q-heads 6 --kv-heads 4
expect_error "gen-trace masses" "gen-trace|--heavy-mass" -- "$bin" gen-trace --out "$work/x" --sink-mass 0.7 --heavy-mass 0.5
expect_error "bad dtype" "gen-trace|--dtype" -- "$bin" gen-trace --out "$work/x" --dtype int4

# --- configurations
expect_error "unknown energy table" "no_table|energy table|horowitz45" -- "$bin" golden --energy no_table --trace "$work/good"
printf 'name: e\ndescription: d\nactions:\n  mac: {pj: -1, source: s}\n' >"$work/energy.yaml"
expect_error "negative energy" "energy.yaml:4|actions.mac.pj|positive" -- "$bin" golden --energy "$work/energy.yaml" --trace "$work/good"
# --- area models
expect_error "unknown area model" "no_model|area model|nangate45" -- "$bin" area --area no_model
expect_error "area: unknown preset" "nosuch|preset" -- "$bin" area --config nosuch
expect_error "golden: unknown area model" "no_model|area model" -- "$bin" golden --area no_model --trace "$work/good"
cp "$(dirname "$0")/../../configs/area/nangate45_fit.yaml" "$work/nangate45_fit.yaml"
sed 's/expr: "QkLanes\*HeadDim"/expr: "QkLanes*Lanes"/' "$(dirname "$0")/../../configs/area/nangate45.yaml" >"$work/area_expr.yaml"
expect_error "area: unknown parameter in a term" "area_expr.yaml:|logic.qk_lanes.terms[0].expr|Lanes" -- "$bin" area --area "$work/area_expr.yaml"
sed 's/bitcell_um2: {value: 0.346/bitcell_um2: {value: zero/' "$(dirname "$0")/../../configs/area/nangate45.yaml" >"$work/area_cell.yaml"
expect_error "area: non-numeric figure" "area_cell.yaml:|memory.bitcell_um2.value|number" -- "$bin" area --area "$work/area_cell.yaml"
sed 's/fit_file: nangate45_fit.yaml/fit_file: missing_fit.yaml/' "$(dirname "$0")/../../configs/area/nangate45.yaml" >"$work/area_fit.yaml"
expect_error "area: missing fit file" "area_fit.yaml:|fit_file|area_calibrate.py" -- "$bin" area --area "$work/area_fit.yaml"
printf 'name: bad\nbase: sinkattn\nhw:\n  topk_parallelism: many\n' >"$work/area_cfg.yaml"
expect_error "area: bad configuration" "area_cfg.yaml:4|hw.topk_parallelism" -- "$bin" area --config "$work/area_cfg.yaml"
expect_error "area: unwritable --json" "--json" -- "$bin" area --json /nonexistent_dir/a.json
expect_error "unknown preset" "nosuch|--config|preset" -- "$bin" golden --config nosuch --trace "$work/good"
printf 'name: bad\nbase: sinkattn\npolicy:\n  windo: 3\n' >"$work/unknown.yaml"
expect_error "unknown field" "unknown.yaml:4|policy.windo|unknown field" -- "$bin" golden --config "$work/unknown.yaml" --trace "$work/good"
printf 'name: bad\nbase: sinkattn\npolicy: {sinks: [1,\n' >"$work/malformed.yaml"
expect_error "malformed YAML" "malformed.yaml|malformed YAML" -- "$bin" golden --config "$work/malformed.yaml" --trace "$work/good"
printf 'name: bad\nbase: sinkattn\nhw:\n  qk_lanes: 1000\n' >"$work/range.yaml"
expect_error "out of range" "range.yaml|hw.qk_lanes|out of range" -- "$bin" golden --config "$work/range.yaml" --trace "$work/good"
printf 'name: bad\nbase: sinkattn\npolicy:\n  heavy_hitters:\n    budget: {schedule: list, per_layer: [4, 8]}\n' >"$work/budget.yaml"
expect_error "increasing budgets" "budget.yaml|per_layer|non-increasing" -- "$bin" golden --config "$work/budget.yaml" --trace "$work/good"
printf 'name: bad\nbase: sinkattn\nhw:\n  max_tokens: 32\n' >"$work/small.yaml"
expect_error "cache too small" "small.yaml|policy.window|KV cache" -- "$bin" golden --config "$work/small.yaml" --trace "$work/good"

# --- traces
expect_error "missing trace dir" "nowhere|q.npy" -- "$bin" golden --trace "$work/nowhere"
cp_trace dtype; npy dtype k "np.zeros((2,2,64,16), np.int32)"
expect_error "wrong dtype" "k.npy|descr|int32" -- "$bin" golden --trace "$work/dtype"
cp_trace mixed; npy mixed v "np.zeros((2,2,64,16), np.float16)"
expect_error "mixed dtypes" "v.npy|dtype" -- "$bin" golden --trace "$work/mixed"
cp_trace shape; npy shape v "np.zeros((2,2,63,16), np.float32)"
expect_error "inconsistent shapes" "v.npy|shape" -- "$bin" golden --trace "$work/shape"
cp_trace rank; npy rank q "np.zeros((2,4,64), np.float32)"
expect_error "wrong rank" "q.npy|shape" -- "$bin" golden --trace "$work/rank"
cp_trace gqa; npy gqa q "np.zeros((2,3,64,16), np.float32)"
expect_error "Hq not multiple of Hkv" "q.npy|multiple" -- "$bin" golden --trace "$work/gqa"
cp_trace endian; npy endian q "np.zeros((2,4,64,16), '>f4')"
expect_error "big-endian" "q.npy|big-endian" -- "$bin" golden --trace "$work/endian"
cp_trace trunc; "$py" -c "import os; p='$work/trunc/k.npy'; os.truncate(p, os.path.getsize(p) - 10)"
expect_error "truncated" "k.npy|data|bytes" -- "$bin" golden --trace "$work/trunc"
cp_trace nan; "$py" -c "import numpy as np; a=np.load('$work/nan/q.npy'); a[1,2,3,4]=np.nan; np.save('$work/nan/q.npy', a)"
expect_error "NaN" "q.npy|NaN|[1, 2, 3, 4]" -- "$bin" golden --trace "$work/nan"
cp_trace inf; "$py" -c "import numpy as np; a=np.load('$work/inf/v.npy'); a[0,1,0,0]=np.inf; np.save('$work/inf/v.npy', a)"
expect_error "Inf" "v.npy|Inf|[0, 1, 0, 0]" -- "$bin" golden --trace "$work/inf"
cp_trace meta; echo '{"prompt_len": 64}' >"$work/meta/meta.json"
expect_error "prompt out of range" "meta.json|prompt_len" -- "$bin" golden --trace "$work/meta"
cp_trace metajson; echo '{"prompt_len": 3,' >"$work/metajson/meta.json"
expect_error "malformed meta.json" "meta.json" -- "$bin" golden --trace "$work/metajson"
# Unknown keys are kept (docs/traces.md); a known key of the wrong type is still an error.
cp_trace metakey; echo '{"prompt_len": "3", "model": "x"}' >"$work/metakey/meta.json"
expect_error "known meta key of the wrong type" "meta.json|prompt_len|must be an integer" -- "$bin" golden --trace "$work/metakey"
printf 'name: tiny\nbase: sinkattn\nhw:\n  max_tokens: 208\n  head_dim: 8\n  out_lanes: 8\n' >"$work/tiny.yaml"
expect_error "trace exceeds hardware" "good|head_dim|hw.head_dim" -- "$bin" golden --config "$work/tiny.yaml" --trace "$work/good"

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
