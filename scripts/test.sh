#!/usr/bin/env bash
# Builds everything and runs every test through ctest. Extra arguments go to ctest
# (e.g. scripts/test.sh -L unit, or -R Golden). SINKATTN_SLOW=1 also runs the "slow" label.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_missing_packages "${SINKATTN_WORKLOAD_PACKAGES[@]}"
build
exclude=()
[ "${SINKATTN_SLOW:-0}" = 1 ] || exclude=(-LE slow)
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "${exclude[@]}" "$@"
