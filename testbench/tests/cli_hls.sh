#!/usr/bin/env bash
# sinkattn hls end to end: the HLS kernel's C-simulation on every preset must report the golden
# model's outputs digest and every key golden reports with the same value (mode, wall time and
# the kernel instance aside). `cosim --with-hls` must put the kernel's rows through the
# scoreboards (three times the rows of one model) and match; an injected fault in the kernel's
# result must make it fail with exit 1 naming the row and the seed. Bad input exits 2.
set -euo pipefail
bin="$1"
py="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" gen-trace --out "$work/trace" --layers 3 --q-heads 4 --kv-heads 2 --head-dim 32 --tokens 160 --prompt 80 --quiet
# duo as its documented hash fallback: the trace is not the shape of the duo preset's head pattern.
presets="base dense streamingllm h2o spatten duo_hash sinkattn"
config_of() { if [ "$1" = duo_hash ]; then echo "$root/configs/duo/duo_hash.yaml"; else echo "$1"; fi; }
for preset in $presets; do
  "$bin" golden --config "$(config_of "$preset")" --trace "$work/trace" --json "$work/golden_$preset.json" --quiet
  "$bin" hls --config "$(config_of "$preset")" --trace "$work/trace" --json "$work/hls_$preset.json" --csv "$work/hls_$preset.csv" --quiet
done
"$bin" gen-trace --out "$work/small" --layers 2 --q-heads 4 --kv-heads 2 --head-dim 32 --tokens 112 --prompt 96 --quiet
"$bin" golden --config sinkattn --trace "$work/small" --json "$work/golden_small.json" --quiet
"$bin" cosim --config sinkattn --trace "$work/small" --seed 5 --stall 0.2 --with-hls --json "$work/cosim.json" --quiet

"$py" - "$work" $presets <<'PY'
import csv, json, sys
w, presets = sys.argv[1], sys.argv[2:]
for p in presets:
    g = json.load(open(f"{w}/golden_{p}.json"))
    h = json.load(open(f"{w}/hls_{p}.json"))
    assert h["mode"] == "hls" and h["kernel_instance"] == "sinkattn::params::base", (p, h["mode"], h["kernel_instance"])
    assert set(g) - {"mode", "wall_seconds"} <= set(h), (p, set(g) - set(h))
    for k in g:
        if k not in ("mode", "wall_seconds"):
            assert h[k] == g[k], (p, k, h[k], g[k])
    row = list(csv.reader(open(f"{w}/hls_{p}.csv")))
    assert len(row) == 2 and "outputs_sha256" in row[0], p
g = json.load(open(f"{w}/golden_small.json"))
c = json.load(open(f"{w}/cosim.json"))
assert c["match"] is True and c["with_hls"] is True, c.get("first_mismatch")
assert c["hls_outputs_sha256"] == c["outputs_sha256"] == g["outputs_sha256"]
assert c["rows_checked"] == 3 * 16 * 2 * 4, c["rows_checked"]  # RTL, SystemC and HLS: every row
PY

# A fault in the kernel's result: the row scoreboard must name it.
set +e
out="$("$bin" cosim --config sinkattn --trace "$work/small" --seed 5 --with-hls --inject hls-output --quiet 2>&1)"; rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "--inject hls-output: expected exit 1, got $rc: $out"; exit 1; }
grep -q -- "hls vs golden: step [0-9]* (token [0-9]*), layer [0-9]*, head [0-9]*.*element 0" <<<"$out" ||
  { echo "--inject hls-output: message does not name the row: $out"; exit 1; }
grep -q -- "seed 5" <<<"$out" || { echo "--inject hls-output: message lacks the seed: $out"; exit 1; }

# Bad input: hardware no kernel instance has, a missing trace, a fault name without --with-hls.
printf 'name: wide\nbase: sinkattn\nhw:\n  qk_lanes: 8\n' >"$work/wide.yaml"
expect_exit2() {  # expect_exit2 PATTERN ARGS...
  local pattern="$1"
  shift
  set +e
  out="$("$bin" "$@" 2>&1)"; rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "$*: expected exit 2, got $rc: $out"; exit 1; }
  grep -q -- "$pattern" <<<"$out" || { echo "$*: message lacks '$pattern': $out"; exit 1; }
}
expect_exit2 "wide.yaml: hw.qk_lanes" hls --config "$work/wide.yaml" --trace "$work/trace"
expect_exit2 "missing" hls --config sinkattn --trace "$work/missing"
expect_exit2 "--inject" cosim --config sinkattn --trace "$work/small" --inject hls-output
echo "cli_hls: ok"
