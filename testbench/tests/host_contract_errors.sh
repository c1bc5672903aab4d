#!/usr/bin/env bash
# The host contract's generator (scripts/gen_tables.py, scripts/host_contract.py) refuses a
# contract the RTL and the C++ could not both carry: each case edits one field of
# configs/host_contract.yaml and expects exit code 2 with the file, the field and the reason.
# Usage: host_contract_errors.sh PYTHON CONFIG_DIR SCRIPTS_DIR
set -uo pipefail
py="$1" cfg="$2" scripts="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0

# expect_error NAME SED_EXPR FIELD REASON
expect_error() {
  local name="$1" expr="$2" field="$3" reason="$4" bad="$work/$1.yaml" out rc
  sed -E "$expr" "$cfg/host_contract.yaml" >"$bad"
  if cmp -s "$bad" "$cfg/host_contract.yaml"; then
    echo "FAIL $name: the edit changed nothing (sed -E '$expr')"
    fails=$((fails + 1))
    return
  fi
  out="$("$py" "$scripts/gen_tables.py" "$cfg/numerics.yaml" "$bad" "$work/out" 2>&1)"
  rc=$?
  if [ "$rc" -ne 2 ] || [[ "$out" != *"$bad"* ]] || [[ "$out" != *"$field"* ]] || [[ "$out" != *"$reason"* ]]; then
    echo "FAIL $name: exit $rc, expected 2 naming $field ($reason):"
    echo "$out"
    fails=$((fails + 1))
  else
    echo "ok   $name: $out"
  fi
}

expect_error heads_keep_width 's/(name: heads_keep, lsb: 32, width: )8/\17/' "fields.layer[1].width" "head_bits"
expect_error run_layer_narrow 's/(name: layer, lsb: 0,  width: )16/\14/' "fields.run[0].width" "layer_bits"
expect_error list_narrow 's/(name: list,  lsb: 32, width: )16/\14/' "fields.importance_addr[1].width" "head_bits"
expect_error step_width 's/(name: step,  lsb: 16, width: )32/\124/' "fields.run[1].width" "token_bits"
expect_error head_bits_range 's/^head_bits: 8/head_bits: 17/' "head_bits" "out of range"
expect_error layer_bits_missing '/^layer_bits: /d' "layer_bits" "missing"
[ "$fails" -eq 0 ] && echo PASS
exit "$fails"
