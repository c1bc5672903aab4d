#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang-14, ASan + UBSan) in build-fuzz/ and runs each for
# SECONDS (default 20) on one core, starting from its seed corpus in fuzz/corpus/NAME. New inputs
# go to build-fuzz/corpus/NAME (kept between runs, so that longer runs build on shorter ones);
# a crash, leak, timeout or out-of-memory leaves its input in build-fuzz/findings/NAME and fails.
# Prints one line per harness: executions, seconds, corpus size, and the total at the end.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages
seconds="${1:-20}"
shift || true
FUZZ_DIR="${FUZZ_DIR:-$SINKATTN_ROOT/build-fuzz}"
configure_variant "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DSINKATTN_SANITIZE=address,undefined -DSINKATTN_CYCLE_MODELS=OFF -DSINKATTN_FUZZ=ON
cmake --build "$FUZZ_DIR" -j "$(nproc)" --target fuzzers >&2
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(npy trace config energy sweep)  # fuzz/CMakeLists.txt's SINKATTN_FUZZERS
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# The harnesses write their input as files: keep them in memory where there is a tmpfs.
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR="${TMPDIR:-/dev/shm}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
status=0
for name in "${harnesses[@]}"; do
  corpus="$FUZZ_DIR/corpus/$name" findings="$FUZZ_DIR/findings/$name"
  mkdir -p "$corpus" "$findings"
  log="$FUZZ_DIR/fuzz_$name.log"
  dict=()
  [ -f "$SINKATTN_ROOT/fuzz/$name.dict" ] && dict=(-dict="$SINKATTN_ROOT/fuzz/$name.dict")
  # -timeout: one input taking more than 30 s is a hang (generous: CI machines are shared); -rss_limit_mb: an allocation driven by
  # a size field shows up as out-of-memory; -max_len: traces need room for three small .npy files.
  if "$FUZZ_DIR/bin/fuzz_$name" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$findings/" -print_final_stats=1 "${dict[@]}" \
      "$corpus" "$SINKATTN_ROOT/fuzz/corpus/$name" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  echo "fuzz_$name: $result, ${execs:-?} executions in ${seconds} s (${rate:-?}/s), corpus $(ls "$corpus" | wc -l) inputs"
  if [ "$result" = FAILED ]; then
    grep -E "ERROR|SUMMARY|Test unit written|uncaught|what\(\)" "$log" | head -20 >&2
    echo "  full log: $log" >&2
  fi
done
exit "$status"
