#!/usr/bin/env bash
# scripts/bench.sh coverage: Verilator line and toggle coverage of the RTL from the test suite's
# own stimulus, per module.
#
# A separate build directory (build-cov, or COV_BUILD_DIR) configured with -DSINKATTN_COVERAGE=ON
# Verilates every model with --coverage-line --coverage-toggle, so the normal build and CI stay
# as they are. The suite's harnesses run there with their own vectors and random cases (seeds as
# in ctest; SINKATTN_SEED changes them): the block harnesses (qk_lanes, pv_lanes, softmax_unit,
# topk_engine, sinkattn_slot_store), the top against golden (top_tb), the SystemC model against the RTL (sim_cosim_tb)
# and each hardware variant (hw_variant_tb_*, without the slow long trace, as in the normal
# run). Every model instance writes a .dat file; verilator_coverage merges them and annotates the
# sources; scripts/coverage_report.py prints the per-module table (what it counts: its header).
#
# Output: build-cov/results/coverage/{merged.dat, coverage.md, coverage.json, uncovered.txt,
# annotated/}.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages
cov_build="${COV_BUILD_DIR:-$SINKATTN_ROOT/build-cov}"
configure_variant "$cov_build" -DCMAKE_BUILD_TYPE=Release -DSINKATTN_COVERAGE=ON
variants=()
for v in $(sed -n 's/^SINKATTN_HW_VARIANTS:STRING=//p' "$cov_build/CMakeCache.txt" | tr ';' ' '); do
  variants+=("hw_variant_tb_$v")
done
blocks=(qk_lanes_tb pv_lanes_tb softmax_unit_tb topk_engine_tb sinkattn_slot_store_tb)
tops=(top_tb sim_cosim_tb "${variants[@]}")
targets=()
for t in "${blocks[@]}" "${tops[@]}"; do targets+=(--target "$t"); done
cmake --build "$cov_build" -j "$(nproc)" "${targets[@]}" >&2

out="$cov_build/results/coverage"
rm -rf "$out"
mkdir -p "$out/dat"
export SINKATTN_COVERAGE_DIR="$out/dat"
for t in "${blocks[@]}" "${tops[@]}"; do
  filter="*"
  [[ "$t" == hw_variant_tb_* ]] && filter="-HwVariant.LongTrace"  # label slow: not in the normal run
  echo "coverage: $t ..." >&2
  (cd "$out/dat" && "$cov_build/bin/$t" --gtest_filter="$filter" >"$out/$t.log" 2>&1) ||
    { echo "coverage: $t failed (log: $out/$t.log)" >&2; tail -20 "$out/$t.log" >&2; exit 1; }
done
shopt -s nullglob
dats=("$out"/dat/*.dat)
((${#dats[@]})) || { echo "coverage: no .dat file written (is $cov_build configured with -DSINKATTN_COVERAGE=ON?)" >&2; exit 1; }
echo "coverage: merging ${#dats[@]} files ..." >&2
verilator_coverage --write "$out/merged.dat" "${dats[@]}" >&2
verilator_coverage --annotate "$out/annotated" --annotate-min 1 "$out/merged.dat" >&2
rm -rf "$out/dat"
/usr/bin/python3 "$SINKATTN_ROOT/scripts/coverage_report.py" "$out/merged.dat" --json "$out/coverage.json" --uncovered \
  >"$out/report.txt"
sed -n '/^uncovered /p' "$out/report.txt" >"$out/uncovered.txt"
sed '/^uncovered /d' "$out/report.txt" | sed '/^$/d' >"$out/coverage.md"
rm "$out/report.txt"
cat "$out/coverage.md"
echo "(uncovered line points: $out/uncovered.txt; annotated sources: $out/annotated)" >&2
