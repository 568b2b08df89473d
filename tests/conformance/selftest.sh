#!/usr/bin/env bash
# selftest.sh DATA_DIR [EXTRA...] — the conformance harness tests itself.
#
#   1. tests/data/efi/make-synthetic.sh reproduces the committed synthetic directories.
#   2. listing.sh and mutations.sh PASS with fake-bootsmith.sh (a stand-in that asks
#      the real efibootmgr, so it is right by construction).
#   3. They FAIL (exit 1) with each deliberately wrong stand-in (FAKE_BREAK=…): one
#      that drops an entry, changes a description, returns another exit code, crashes
#      where efibootmgr crashes, changes a device-path text, optional data or the JSON
#      entry order, writes without O_TRUNC (stale tail), does not write at all, or
#      accepts -t 70000.
# Exit 0 when all hold, 1 otherwise, 77 when efibootmgr/jq/cc are missing.
set -uo pipefail
export LC_ALL=C
[[ $# -ge 1 ]] || { echo "usage: $0 DATA_DIR [EXTRA_DIR...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
DATA=$1; shift
source "$here/lib.sh"
require_tools
command -v "${CC:-cc}" >/dev/null 2>&1 || { echo "SKIP: no C compiler for otrunc-shim.c"; exit 77; }
FAKE=$here/fake-bootsmith.sh
log=$(mktemp -d "${TMPDIR:-/tmp}/conformance-selftest.XXXXXX"); trap 'rm -rf "$log"' EXIT
bad=0

check() {  # WANT(pass|fail) NAME CMD... — run a harness, expect exit 0 / exit 1
  local want=$1 name=$2 rc=0; shift 2
  "$@" >"$log/out" 2>&1 || rc=$?
  if [[ $want == pass && $rc == 0 ]] || [[ $want == fail && $rc == 1 ]]; then
    echo "ok    $name ($(tail -n 1 "$log/out"))"
  else
    echo "FAIL  $name: exit $rc, want $([[ $want == pass ]] && echo 0 || echo 1)"
    sed 's/^/      /' "$log/out" | grep -v '^      ok ' | head -n 30
    bad=1
  fi
}

if "$DATA/make-synthetic.sh" check >"$log/out" 2>&1; then
  echo "ok    make-synthetic.sh reproduces the committed synthetic directories"
else
  echo "FAIL  make-synthetic.sh check:"; sed 's/^/      /' "$log/out"; bad=1
fi

check pass "listing.sh with the stand-in" "$here/listing.sh" "$FAKE" "$DATA" "$@"
check pass "mutations.sh with the stand-in" "$here/mutations.sh" "$FAKE" "$DATA" "$@"

# Broken stand-ins, each on a directory (or row) where the fault shows.
for spec in drop-entry:eos-boot-helper change-desc:eos-boot-helper exit-code:eos-boot-helper \
            path-text:eos-boot-helper opt-data:eos-boot-helper order:eos-boot-helper \
            drop-entry:synthetic-quirks crash:synthetic-corrupt-zeronode; do
  FAKE_BREAK=${spec%%:*} CONFORMANCE_ONLY=${spec#*:} \
    check fail "listing.sh detects FAKE_BREAK=${spec%%:*} on ${spec#*:}" "$here/listing.sh" "$FAKE" "$DATA" "$@"
done
for spec in stale-tail:o-shrink stale-tail:B-delete no-write:o-reorder exit-code:N-present \
            change-desc:n-set drop-entry:D-duplicates allow-overflow:t-overflow; do
  FAKE_BREAK=${spec%%:*} CONFORMANCE_ONLY=${spec#*:} \
    check fail "mutations.sh detects FAKE_BREAK=${spec%%:*} on ${spec#*:}" "$here/mutations.sh" "$FAKE" "$DATA" "$@"
done

exit $bad
