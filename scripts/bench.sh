#!/usr/bin/env bash
# The one entry for every benchmark of the project:  scripts/bench.sh NAME
#   golden   golden-model MAC/s for dense and sinkattn on a 4-layer, 8-head, D=64, T=2048
#            trace, with the ratio of their times beside the ratio of their attended tokens
#   hls      the HLS kernel's C-simulation against the golden model, both on one thread, on the
#            sinkattn and dense presets (trace: 2 layers, 8 query / 2 KV heads, D 64, 256 decode
#            steps of 1024 tokens): time ratio HLS / golden measured in one run
#   topk     RTL top-k engine (Verilated) quick-select cycles for SpAtten's (n, k) cells at
#            P = 4, 16, 64 over random scores, beside SpAtten's published latency model
#            (SINKATTN_SEED picks the scores; TOPK_VECTORS vectors per cell, default 200)
#   roofline RTL cycles of every preset on the default preset's hardware and three decode
#            traces (L 2, D 64, 32 decode steps: Hq 8, Hkv 2 at T 512 and at T 4096, the default
#            hardware's whole KV cache; Hq 16, Hkv 8 at T 2048, a Llama-like GQA shape) against
#            max(compute at full lane use, DRAM bytes / bandwidth), where the cycles go
#            (counters, per preset), and dense against each (cycles and DRAM bytes). About
#            fifteen minutes: dense reads every token.
#   simspeed simulated cycles/s of the SystemC model and of the Verilated RTL on the same
#            configuration and stimulus (default preset, 2 layers, 4 heads, 32 steps), and the ratio;
#            then the Verilated RTL against Icarus on the tiny configuration (iverilog_top's
#            stimulus, same cycle count), and that ratio
#   sweep    points per hour of `sinkattn sweep` on 2 jobs at golden and at systemc fidelity on
#            the default workload (4 layers, 8 query and 2 KV heads, D 64, prompt 256, 64 decode
#            steps), 48 points each (4 presets x 4 lane counts x 3 windows), and the share of the
#            workers' time spent outside the models (process start, workload cache loading, store)
#   soak [N] N seeded random (configuration, trace, back-pressure) cases through all three models
#            (golden, SystemC, Verilated RTL: testbench/cosim/soak_tb.cpp, in-process) on the default
#            hardware and every variant's, default 10000, on SOAK_WORKERS processes (default 2);
#            prints the seed and rerun command of any failure; interruptible and resumable
#            (build/results/soak.state; SINKATTN_SEED picks the cases)
#   coverage Verilator line and toggle coverage of the RTL from the test suite's own harnesses
#            and random cases (top_tb, sim_cosim_tb, hw_variant_tb_*, the block harnesses), built
#            in build-cov (-DSINKATTN_COVERAGE=ON), per module (scripts/coverage_report.py);
#            annotated sources in build-cov/results/coverage/annotated
#   area     the area model pricing one configuration (two presets, and a sweep that changes
#            lanes, P, tokens and heads every point) against the 1 ms a sweep point may spend,
#            and the one-time cost of loading the table
#   scale [T...] peak resident memory (/usr/bin/time -v) and wall time of `sinkattn golden` and
#            `sinkattn sim` on Llama-3-8B-shaped synthetic traces (L 32, Hq 32, Hkv 8, D 128,
#            64 decode steps, float16, decode-only queries) at each T (default 4096 8192 16384
#            32768), against the bytes of k.npy + v.npy and the bound 1.5 x (k + v) + the
#            model's peak on a tiny trace of the same configuration; traces are kept in
#            build/traces/scale (4.3 GB of float16 k + v at 32k: delete them after)
#   fuzz [SECONDS]  every libFuzzer harness (fuzz/) for SECONDS each (default 600): executions,
#            time and corpus size per harness; fails on any crash, hang or out-of-memory
#   workload seconds per training step of the trained-model workload (scripts/workloads/, batch
#            8 x 256 tokens, one thread) with OpenBLAS (serial) and with the reference BLAS, each
#            chosen by the process's own LD_LIBRARY_PATH, alternating twice; the speed-up ratio
# Benchmarks report ratios measured in one run; absolute times on shared machines are noise.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
name="${1:-}"
case "$name" in
  golden)
    install_missing_packages
    build bench_golden
    out="$BUILD_DIR/results/bench_golden.json"
    mkdir -p "$(dirname "$out")"
    "$BUILD_DIR/bin/bench_golden" --benchmark_out="$out" --benchmark_out_format=json >&2
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" golden "$out"
    ;;
  hls)
    install_missing_packages
    build bench_hls
    out="$BUILD_DIR/results/bench_hls.json"
    mkdir -p "$(dirname "$out")"
    "$BUILD_DIR/bin/bench_hls" --benchmark_out="$out" --benchmark_out_format=json >&2
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" hls "$out"
    ;;
  topk)
    install_missing_packages
    build topk_engine_bench_p4 topk_engine_bench_p16 topk_engine_bench_p64
    dir="$BUILD_DIR/results"
    mkdir -p "$dir"
    csvs=()
    for p in 4 16 64; do
      "$BUILD_DIR/bin/topk_engine_bench_p$p" --bench --bench-vectors "${TOPK_VECTORS:-200}" >"$dir/bench_topk_p$p.csv"
      grep '^\[' "$dir/bench_topk_p$p.csv" >&2 || true  # the seed and the parameters
      csvs+=("$dir/bench_topk_p$p.csv")
    done
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" topk "${csvs[@]}"
    ;;
  roofline)
    install_missing_packages
    build sinkattn
    # duo as its documented hash fallback: the trace is not the shape of the head pattern the duo
    # preset names (Llama-3.1-8B's 32 layers x 8 KV heads; docs/policy.md, "duo").
    presets=(sinkattn streamingllm h2o spatten duo_hash dense)
    # tokens:query heads:KV heads
    for shape in 512:8:2 4096:8:2 2048:16:8; do
      IFS=: read -r tokens hq hkv <<<"$shape"
      out="$BUILD_DIR/results/roofline/t${tokens}_hq${hq}_hkv${hkv}"
      mkdir -p "$out"
      "$BUILD_DIR/bin/sinkattn" gen-trace --out "$out/trace" --layers 2 --q-heads "$hq" --kv-heads "$hkv" \
        --head-dim 64 --tokens "$tokens" --prompt $((tokens - 32)) --quiet
      files=()
      for preset in "${presets[@]}"; do
        echo "running the RTL on $preset, T $tokens, Hq $hq, Hkv $hkv ..." >&2
        config="$preset"
        [ "$preset" = duo_hash ] && config="$SINKATTN_ROOT/configs/duo/duo_hash.yaml"
        "$BUILD_DIR/bin/sinkattn" rtl --config "$config" --trace "$out/trace" --json "$out/rtl_$preset.json" --quiet
        files+=("$out/rtl_$preset.json")
      done
      echo "== T $tokens (prompt $((tokens - 32)), 32 decode steps), Hq $hq, Hkv $hkv"
      /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" roofline "${files[@]}"
    done
    ;;
  scale)
    install_missing_packages time
    build sinkattn
    shift
    sizes=("$@")
    ((${#sizes[@]})) || sizes=(4096 8192 16384 32768)
    dir="$BUILD_DIR/traces/scale" out="$BUILD_DIR/results/scale"
    mkdir -p "$dir" "$out"
    # The preset's hardware sized for the workload: the longest context and Llama's head count.
    printf 'name: scale\nbase: sinkattn\nhw:\n  max_tokens: 32768\n  max_layers: 32\n  max_q_heads: 32\n  max_kv_heads: 8\n  head_dim: 128\n' \
      >"$out/scale.yaml"
    echo "T,model,max_rss_bytes,wall_s,cpu_s,kv_bytes,rss_over_kv,own_state_bytes,bound_bytes,within_bound" >"$out/scale.csv"
    # The configuration's own state: each model's peak on a tiny trace of the same shape otherwise.
    tiny="$dir/tiny"
    [ -f "$tiny/v.npy" ] || "$BUILD_DIR/bin/sinkattn" gen-trace --out "$tiny" --layers 32 --q-heads 32 --kv-heads 8 \
      --head-dim 128 --tokens 128 --prompt 64 --dtype float16 --decode-queries --quiet
    declare -A own
    for model in golden sim; do
      "$BUILD_DIR/bin/sinkattn" "$model" --help >/dev/null 2>&1 || continue
      /usr/bin/time -v -o "$out/time_${model}_tiny.txt" "$BUILD_DIR/bin/sinkattn" "$model" --config "$out/scale.yaml" \
        --trace "$tiny" --quiet
      own[$model]=$(($(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time_${model}_tiny.txt") * 1024))
    done
    for t in "${sizes[@]}"; do
      trace="$dir/T$t"
      if [ ! -f "$trace/v.npy" ]; then
        echo "generating $trace ..." >&2
        "$BUILD_DIR/bin/sinkattn" gen-trace --out "$trace" --layers 32 --q-heads 32 --kv-heads 8 --head-dim 128 \
          --tokens "$t" --prompt $((t - 64)) --dtype float16 --decode-queries --quiet
      fi
      kv=$(($(stat -c %s "$trace/k.npy") + $(stat -c %s "$trace/v.npy")))
      for model in golden sim; do
        sinkattn_has_cmd() { "$BUILD_DIR/bin/sinkattn" "$1" --help >/dev/null 2>&1; }
        sinkattn_has_cmd "$model" || { echo "T=$t $model: not in this build (SINKATTN_CYCLE_MODELS=OFF)" >&2; continue; }
        echo "T=$t: sinkattn $model ..." >&2
        /usr/bin/time -v -o "$out/time_${model}_$t.txt" "$BUILD_DIR/bin/sinkattn" "$model" --config "$out/scale.yaml" \
          --trace "$trace" --json "$out/${model}_$t.json" --quiet
        rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time_${model}_$t.txt")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time_${model}_$t.txt" |
          awk -F: '{s=0; for (i=1;i<=NF;i++) s=s*60+$i; print s}')
        # CPU seconds (user + system): on a shared machine the wall time is mostly the neighbours'.
        cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$out/time_${model}_$t.txt")
        bound=$(awk "BEGIN{printf \"%.0f\", ${own[$model]} + 1.5 * $kv}")
        within=$(awk "BEGIN{print ($rss_kb * 1024 <= $bound) ? \"yes\" : \"NO\"}")
        echo "$t,$model,$((rss_kb * 1024)),$wall,$cpu,$kv,$(awk "BEGIN{printf \"%.3f\", $rss_kb*1024/$kv}"),${own[$model]},$bound,$within" >>"$out/scale.csv"
      done
    done
    cat "$out/scale.csv"
    # Growth with T: the exponent b of time ~ T^b and rss ~ T^b between the smallest and largest T.
    /usr/bin/python3 - "$out/scale.csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for model in ("golden", "sim"):
    r = sorted((int(x["T"]), float(x["wall_s"]), float(x["cpu_s"]), int(x["max_rss_bytes"]))
               for x in rows if x["model"] == model)
    if len(r) >= 2 and r[-1][0] > r[0][0]:
        k = math.log(r[-1][0] / r[0][0])
        print(f"{model}: T {r[0][0]} -> {r[-1][0]}: wall time ~ T^{math.log(r[-1][1] / r[0][1]) / k:.2f}, "
              f"CPU time ~ T^{math.log(r[-1][2] / r[0][2]) / k:.2f}, peak RSS ~ T^{math.log(r[-1][3] / r[0][3]) / k:.2f}")
PY
    ;;
  fuzz)
    exec "$SINKATTN_ROOT/scripts/fuzz.sh" "${2:-600}" "${@:3}"
    ;;
  sweep)
    install_missing_packages
    build sinkattn
    out="$BUILD_DIR/results/bench_sweep"
    rm -rf "$out"
    mkdir -p "$out"
    : > "$out/times.txt"
    for fid in golden systemc; do
      cat > "$out/$fid.yaml" <<EOF
name: bench_$fid
base: sinkattn
axes:
  base: [sinkattn, h2o, streamingllm, spatten]
  hw.qk_lanes: {pow2: [2, 16]}
  policy.window: [32, 64, 96]
workloads:
  - name: run
    gen: {layers: 4, q_heads: 8, kv_heads: 2, head_dim: 64, tokens: 320, prompt: 256, seed: 1}
objectives:
  - {metric: energy_pj, goal: min}
  - {metric: cosine_mean, goal: max}
fidelity: $fid
jobs: 2
timeout: 120
EOF
      # Timed whole: workload preparation (once per sweep), every point, the store and exports.
      t0="$(date +%s.%N)"
      "$BUILD_DIR/bin/sinkattn" sweep "$out/$fid.yaml" --out "$out/$fid" --no-plots >&2
      t1="$(date +%s.%N)"
      echo "$fid $t0 $t1" >> "$out/times.txt"
    done
    /usr/bin/python3 "$SINKATTN_ROOT/scripts/bench_report.py" sweep "$out"
    ;;
  simspeed)
    install_missing_packages
    build bench_simspeed top_vectors
    "$BUILD_DIR/bin/bench_simspeed" "${2:-sinkattn}" "${3:-32}"
    # The Verilated RTL against Icarus on the tiny configuration (test iverilog_top's stimulus):
    # the same vectors and the same cycle count (the Icarus bench checks it), wall times of each.
    gen="$BUILD_DIR/generated/rtl" tb="$SINKATTN_ROOT/testbench/cosim"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    vec="$("$BUILD_DIR/bin/top_vectors" "$work")"
    mapfile -t top < <(grep -v '^#' "$SINKATTN_ROOT/rtl/sinkattn_top.files" | sed "s#^@GEN@/#$gen/#; t; s#^#$SINKATTN_ROOT/#")
    iverilog -g2012 -o "$work/tb.vvp" -I "$gen" -s top_iverilog_tb \
      -Ptop_iverilog_tb.VecDir="\"$work\"" \
      -Ptop_iverilog_tb.Exp2LutFile="\"$gen/exp2_lut.hex\"" -Ptop_iverilog_tb.RecipLutFile="\"$gen/recip_lut.hex\"" \
      "${top[@]}" "$tb/top_iverilog_tb.sv" 2>&1 | grep -v "sorry: constant selects in always_\* processes" >&2 || true
    t0="$(date +%s.%N)"
    out="$(vvp -n "$work/tb.vvp")"
    t1="$(date +%s.%N)"
    grep -q '^PASS' <<<"$out" || { echo "bench simspeed: Icarus run failed: $out" >&2; exit 1; }
    /usr/bin/python3 - "$vec" "$t0" "$t1" <<'PY'
import json, re, sys
vec, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
cycles = int(re.search(r"Verilator: (\d+) cycles", vec).group(1))
vl = float(re.search(r"verilator_seconds ([0-9.e+-]+)", vec).group(1))
iv = t1 - t0
print(json.dumps({"tiny_config_cycles": cycles, "verilator_cycles_per_s": cycles / vl,
                  "icarus_cycles_per_s": cycles / iv, "verilator_over_icarus": iv / vl}))
PY
    ;;
  area)
    install_missing_packages
    build bench_area
    out="$BUILD_DIR/results/bench_area.json"
    mkdir -p "$(dirname "$out")"
    "$BUILD_DIR/bin/bench_area" --benchmark_out="$out" --benchmark_out_format=json >&2
    /usr/bin/python3 - "$out" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
us = lambda b, k="cpu_time": b[k] * {"ns": 1e-3, "us": 1.0, "ms": 1e3}[b["time_unit"]]
# CPU time per point (what a sweep worker spends); wall time beside it, which a shared machine inflates.
per_point = {n: round(us(b), 3) for n, b in runs.items() if n.startswith("BM_Area")}
wall = {n: round(us(b, "real_time"), 3) for n, b in runs.items() if n.startswith("BM_Area")}
load = us(runs["BM_LoadAreaModel"])
worst = max(per_point.values())
print(json.dumps({"cpu_us_per_configuration": per_point, "wall_us_per_configuration": wall, "worst_cpu_us": worst, "fraction_of_1ms": round(worst / 1000, 5),
                  "load_table_us": round(load, 1), "load_over_price": round(load / worst, 1)}))
PY
    ;;
  soak)
    install_missing_packages
    configure
    variants=()  # the hardware variants this build Verilates (SINKATTN_HW_VARIANTS)
    for v in $(sed -n 's/^SINKATTN_HW_VARIANTS:STRING=//p' "$BUILD_DIR/CMakeCache.txt" | tr ';' ' '); do
      variants+=("soak_tb_$v")
    done
    build soak_tb "${variants[@]}"
    mkdir -p "$BUILD_DIR/results"
    /usr/bin/python3 "$SINKATTN_ROOT/testbench/cosim/soak.py" "$BUILD_DIR/bin" "${2:-10000}" "${SINKATTN_SEED:-20261204}" \
      --state "$BUILD_DIR/results/soak.state" --workers "${SOAK_WORKERS:-2}"
    ;;
  workload)
    install_missing_packages "${SINKATTN_WORKLOAD_PACKAGES[@]}"
    multiarch="$(basename "$(dirname "$OPENBLAS_SERIAL_DIR")")"
    reference="/usr/lib/$multiarch/blas:/usr/lib/$multiarch/lapack"
    results=()
    for round in 1 2; do
      for blas in "$OPENBLAS_SERIAL_DIR" "$reference"; do
        results+=("$(LD_LIBRARY_PATH="$blas" /usr/bin/python3 "$SINKATTN_ROOT/scripts/workloads/blas_bench.py" 3)")
      done
    done
    /usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
by = {"openblas-serial": [], "reference": []}
for r in rows:
    kind = "openblas-serial" if any("openblas-serial" in p for p in r["blas"]) else "reference"
    assert kind == "openblas-serial" or any("/blas/libblas" in p for p in r["blas"]), r["blas"]
    by[kind].append(r["seconds_per_step"])
    print(f"{kind:16s} {r['seconds_per_step']:8.2f} s/step  ({', '.join(r['blas'])})")
o, f = min(by["openblas-serial"]), min(by["reference"])
print(f"OpenBLAS (serial) speed-up over the reference BLAS: {f / o:.2f}x (best of 2 each, one run)")
PY
    ;;
  coverage)
    exec "$SINKATTN_ROOT/scripts/coverage.sh"
    ;;
  *)
    echo "usage: scripts/bench.sh NAME   (NAME: golden | hls | topk | roofline | simspeed | soak [N] | coverage | area | sweep | scale [T...] | fuzz [SECONDS] | workload)" >&2
    exit 2
    ;;
esac
