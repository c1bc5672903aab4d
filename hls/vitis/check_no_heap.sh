#!/usr/bin/env bash
# The synthesis tops compiled with -fno-exceptions -fno-rtti (see hls/CMakeLists.txt) must not
# call the heap, throw, or use anything else from a C++ runtime: their object file may name no
# undefined symbol except the memory intrinsics the compiler itself emits.
# usage: check_no_heap.sh OBJECT_FILE...
set -euo pipefail
status=0
for obj in "$@"; do
  undefined="$(nm -u "$obj" | awk '{print $2}' | grep -v -E '^(memset|memcpy|memmove)$' | c++filt || true)"
  if [ -n "$undefined" ]; then
    echo "FAIL: $obj uses symbols a synthesizable kernel must not need:" >&2
    echo "$undefined" >&2
    status=1
  fi
  defined="$(nm --defined-only --demangle "$obj" | grep -c -E ' T (sinkattn_job|sinkattn_topk)' || true)"
  if [ "$defined" -ne 2 ]; then
    echo "FAIL: $obj does not define both tops (sinkattn_job, sinkattn_topk)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "PASS: no heap, no exceptions, no runtime calls in $*"
exit "$status"
