#!/usr/bin/env bash
# The "unit" label under AddressSanitizer and UndefinedBehaviorSanitizer, in build-asan/: the
# model library, the CLI (golden and gen-trace) and the unit tests only, without the RTL and the
# SystemC model (SINKATTN_CYCLE_MODELS=OFF). Any report fails the test that triggers it.
# Extra arguments go to ctest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages
ASAN_DIR="${ASAN_DIR:-$SINKATTN_ROOT/build-asan}"
configure_variant "$ASAN_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINKATTN_SANITIZE=address,undefined \
  -DSINKATTN_CYCLE_MODELS=OFF
cmake --build "$ASAN_DIR" -j "$(nproc)" --target unit_tests >&2
# detect_leaks: a leak is a bug too. UBSan prints the stack of what it finds.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
ctest --test-dir "$ASAN_DIR" --output-on-failure -j "$(nproc)" -L unit "$@"
