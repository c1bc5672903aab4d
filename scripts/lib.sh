# Shared by the scripts: install missing Debian packages, configure and build.
# Sourced, not run. Every script works from a fresh Debian 12 machine as root.
set -euo pipefail
SINKATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$SINKATTN_ROOT/build}"
# The golden model forks and joins once per layer; threads that spin while they wait steal the
# core from the thread being waited for whenever the machine is shared. Waiting threads sleep.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# What the build and tests use, by Debian package name.
SINKATTN_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsystemc-dev
  python3 python3-numpy python3-yaml
  verilator iverilog yosys
  # sinkattn sweep: Boost.Process (header-only in libboost-dev) and Boost.Filesystem, the
  # SQLite store, NSGA-II and non-dominated sorting, constraint expressions, plots, and a real
  # single-node Slurm cluster for its tests
  libboost-dev libboost-filesystem-dev libsqlitecpp-dev libsqlite3-dev libpagmo-dev libmuparser-dev
  python3-matplotlib slurm-wlm munge procps
  clang-14 libfuzzer-14-dev libomp-14-dev libhwy-dev
  # the golden model's Python module (model/python): pybind11 and the interpreter's headers
  pybind11-dev python3-pybind11 python3-dev
)
# The trained-model workload (scripts/workload.sh, docs/workloads.md) and its tests: PyTorch,
# the English text it trains on, and the BLAS its training process loads (OPENBLAS_SERIAL_DIR).
SINKATTN_WORKLOAD_PACKAGES=(python3-torch fortunes fortunes-min libopenblas0-serial)
OPENBLAS_SERIAL_DIR="/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/openblas-serial"

install_missing_packages() {
  local missing=()
  for p in "${SINKATTN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "installing Debian packages: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  local before
  before="$(blas_alternatives)"
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  # Installing an optimized BLAS (libopenblas0-serial, for the trained-model workload) switches the
  # system's libblas/liblapack alternatives in auto mode. Put back what the machine had: the
  # workload's training loads OpenBLAS for its own process only (scripts/workloads/train.py).
  local name value
  while read -r name value; do
    [ -n "$name" ] || continue
    [ "$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p' || true)" = "$value" ] ||
      "${sudo[@]}" update-alternatives --set "$name" "$value" >/dev/null
  done <<<"$before"
}

# "NAME VALUE" for each BLAS and LAPACK alternative the machine has now.
blas_alternatives() {
  local ma n v
  ma="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
  for n in "libblas.so.3-$ma" "liblapack.so.3-$ma"; do
    # No such alternative yet (no BLAS installed): nothing to put back. update-alternatives then
    # exits non-zero, which must not end a script running under set -e.
    v="$(update-alternatives --query "$n" 2>/dev/null | sed -n 's/^Value: //p' || true)"
    [ -z "$v" ] || echo "$n $v"
  done
}

# True when DIR has no build.ninja, or a file that describes the build changed after it was
# written. Ninja would re-run CMake too, but it first brings the configure step's inputs up to date
# with the old rules (an old generator command line, an old RTL source list), which fails when the
# change is in those rules; re-configuring first builds with the new ones.
needs_configure() {  # needs_configure DIR
  local dir="$1"
  [ -f "$dir/build.ninja" ] || return 0
  [ -n "$(find "$SINKATTN_ROOT" \( -path "$SINKATTN_ROOT/build*" -o -path "$SINKATTN_ROOT/.git" \) -prune -o \
      \( -name CMakeLists.txt -o -name '*.cmake' -o -name '*.files' \) -newer "$dir/build.ninja" -print -quit)" ]
}

configure() {
  if needs_configure "$BUILD_DIR"; then
    cmake -S "$SINKATTN_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
}

# A second build directory with its own CMake options (sanitizers, fuzzers); ccache serves both.
configure_variant() {  # configure_variant DIR CMAKE-ARG...
  local dir="$1"
  shift
  if needs_configure "$dir"; then
    cmake -S "$SINKATTN_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
}

build() {  # build [TARGET...]
  configure
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j "$(nproc)" "${targets[@]}" >&2
}
