#!/usr/bin/env bash
# sinkattn cosim end to end: golden, the SystemC model and the Verilated RTL (SystemC mode) in one
# simulation, on three presets under DRAM and row-port back-pressure. Each run must match, its
# outputs digest must equal the golden model's, and the SystemC and RTL cycles must be equal (and
# equal to the stand-alone `sinkattn sim` on the same seed). Then deliberate RTL-side faults must
# be caught: corrupted DRAM data (rows differ from golden) and one cycle more DRAM latency (the
# job cycle stamps differ), each with exit 1 naming the job and the seed. Bad input exits 2.
set -euo pipefail
bin="$1"
py="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" gen-trace --out "$work/trace" --layers 2 --q-heads 4 --kv-heads 2 --head-dim 32 --tokens 112 --prompt 96 --quiet
for preset in sinkattn h2o streamingllm; do
  "$bin" golden --config "$preset" --trace "$work/trace" --json "$work/golden_$preset.json" --quiet
  "$bin" cosim --config "$preset" --trace "$work/trace" --seed 5 --stall 0.2 --row-stall 0.2 \
    --json "$work/cosim_$preset.json" --quiet
done
"$bin" sim --config sinkattn --trace "$work/trace" --seed 5 --stall 0.2 --row-stall 0.2 --json "$work/sim.json" --quiet
"$py" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for preset in ["sinkattn", "h2o", "streamingllm"]:
    g = json.load(open(f"{w}/golden_{preset}.json"))
    c = json.load(open(f"{w}/cosim_{preset}.json"))
    for k in ["match", "outputs_sha256", "cycles_systemc", "cycles_rtl", "dram_bytes", "dense_dram_bytes",
              "energy_pj", "energy_pj_by_block", "fidelity", "utilization", "counters", "wall_seconds",
              "area_um2", "area_um2_by_block", "area_memory_bits", "area_model",
              "rows_checked", "events_checked"]:
        assert k in c, (preset, k)
    assert c["match"] is True and "first_mismatch" not in c, preset
    assert c["outputs_sha256"] == g["outputs_sha256"] == c["systemc_outputs_sha256"], preset
    assert c["cycles_systemc"] == c["cycles_rtl"] > 0, (preset, c["cycles_systemc"], c["cycles_rtl"])
    assert c["total_cycles_systemc"] == c["total_cycles_rtl"], preset
    assert c["dram_bytes"] == g["dram_bytes"] and c["dense_dram_bytes"] == g["dense_dram_bytes"], preset
    assert c["energy_pj"] > 0 and c["fidelity"]["cosine_mean"] > 0.5, preset
    assert c["area_um2"] == g["area_um2"] > 0 and c["area_um2_by_block"] == g["area_um2_by_block"], preset
    assert c["rows_checked"] == 2 * 16 * 2 * 4, (preset, c["rows_checked"])  # both models, every row
    assert c["events_checked"] == c["jobs"] >= 16 * 2 * 2, preset
    assert abs(c["fidelity"]["cosine_mean"] - g["fidelity"]["cosine_mean"]) < 1e-12, preset
    assert 0 < c["utilization"]["qk"] <= 1, preset
s = json.load(open(f"{w}/sim.json"))
c = json.load(open(f"{w}/cosim_sinkattn.json"))
assert s["cycles"] == c["cycles_systemc"] and s["total_cycles"] == c["total_cycles_systemc"], (s["cycles"], c["cycles_systemc"])
PY

# Faults on the RTL side only: the scoreboards must fail, naming the job and the seed.
expect_mismatch() {  # expect_mismatch INJECT PATTERN
  set +e
  out="$("$bin" cosim --config sinkattn --trace "$work/trace" --seed 5 --stall 0.2 --inject "$1" \
           --json "$work/bad.json" --quiet 2>&1)"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || { echo "--inject $1: expected exit 1, got $rc: $out"; exit 1; }
  grep -q -- "$2" <<<"$out" || { echo "--inject $1: message lacks '$2': $out"; exit 1; }
  grep -q -- "seed 5" <<<"$out" || { echo "--inject $1: message lacks the seed: $out"; exit 1; }
  "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["match"] is False and j["first_mismatch"]' "$work/bad.json"
}
expect_mismatch rtl-dram-data "rtl vs golden: step [0-9]* (token [0-9]*), layer [0-9]*, head [0-9]*"
expect_mismatch rtl-dram-latency "systemc vs rtl: job [0-9]* (KV-head job, step"

set +e
out="$("$bin" cosim --config sinkattn --trace "$work/trace" --inject bogus 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "expected exit 2 for --inject bogus, got $rc: $out"; exit 1; }
grep -q -- "--inject" <<<"$out" || { echo "message does not name --inject: $out"; exit 1; }
set +e
out="$("$bin" cosim --config sinkattn --trace "$work/missing" 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "expected exit 2 for a missing trace, got $rc: $out"; exit 1; }
echo "cli_cosim: ok"
