#!/bin/sh
# ptediff gate on real trees: the verdicts `ptediff gate` must give.
#
#   kernel/gate_test.sh MODE PTEDIFF SOURCE_DIR DEBIAN_TARBALL [OTHER_TARBALL]
#
# MODE debian: the whole gate (every phase, a short fuzz budget) on Debian's
#   6.12 tree: exit 0; both subjects built and run, every source-level mutant
#   applied and caught; the flush level hint 6.12 lacks the fix for
#   (eed6bfa8b282) reported as a known bug with its fix; the KTAP accepted by
#   the kernel's own KTAP parser (tools/testing/kunit of the same tarball,
#   when python3 is there) and the JUnit well-formed XML.
# MODE patched: a tree derived here from the Debian one by re-introducing a
#   real, fixed upstream bug of contpte.c: contpte_ptep_set_access_flags()
#   deciding "nothing to do" from the gathered block, fixed by "arm64:
#   contpte: fix set_access_flags() no-op check for SMMU/ATS faults" (the row
#   access-flags-gathered-noop of kernel/mutants.tsv). Over the Debian base:
#   exit 1, the finding new, with its minimized repro; the trees swapped: exit
#   0, the finding fixed.
# MODE newer: OTHER_TARBALL (Linux 7.3) over the Debian base: exit 0, the
#   hugetlb bug eed6bfa8b282 fixes comes out fixed (and known). Without the
#   tarball (scripts/fetch-linux-source.sh) it prints why and exits 77, a skip.
set -u
MODE=$1
PTEDIFF=$2
SRC=$3
DEBIAN=$4
OTHER=${5:-}
. "$(dirname "$0")/common.sh"
start_gate

# check JSON EXPR MSG: counts a failure unless the python expression EXPR
# holds of the gate's JSON report `g` (helpers: subj(name), findings(name)).
check() {
  runs=$((runs + 1))
  python3 - "$1" "$2" <<'PY' || bad "$3"
import json, sys
g = json.load(open(sys.argv[1]))
def subj(n): return [s for s in g["subjects"] if s["name"] == n][0]
def findings(n): return subj(n)["findings"]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# gate EXPECTED_STATUS OUT ARGS...: runs the gate, its JSON report in OUT.json.
gate() {
  want=$1 out=$2
  shift 2
  runs=$((runs + 1))
  "$PTEDIFF" gate -o "$out" --format json "$@" >"$out.json" 2>"$out.err"
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    cat "$out/gate.txt" "$out.err" >"$T/out" 2>/dev/null
    bad "gate $*: expected exit $want, got $rc"
    return 1
  fi
}

command -v python3 >/dev/null || { echo "SKIP: python3 is needed (make deps installs it)"; exit 77; }
case $MODE in
debian)
  gate 0 "$T/g" --tree "$DEBIAN" --seconds 10 --jobs 2 || { cat "$T/out"; exit 1; }
  check "$T/g.json" 'g["exit_status"] == 0 and g["verdict"] == "pass"' "verdict pass"
  for s in contpte hugetlb; do
    check "$T/g.json" "subj('$s')['version'].startswith('6.12.') and subj('$s')['programs'] > 20" \
      "$s: built from 6.12 and its programs run"
    check "$T/g.json" "subj('$s')['mutants_applied'] == subj('$s')['mutants'] > 0" \
      "$s: every source-level mutant applies"
    check "$T/g.json" "subj('$s')['mutants_caught'] == subj('$s')['mutants_applied']" \
      "$s: every applied mutant is caught"
    check "$T/g.json" "subj('$s')['fuzz_execs'] > 0 and subj('$s')['schedules'] > 0" \
      "$s: fuzzed and raced"
  done
  check "$T/g.json" "all(f['known_commit'] == 'eed6bfa8b282' for f in findings('hugetlb'))" \
    "hugetlb: every finding is the known eed6bfa8b282"
  check "$T/g.json" "any(f['known_commit'] == 'eed6bfa8b282' and f['repro'] for f in findings('hugetlb'))" \
    "hugetlb: the missing eed6bfa8b282 is reported, minimized"
  check "$T/g.json" "not findings('contpte')" "contpte: Debian's 6.12 runs clean"
  runs=$((runs + 1))
  grep -q 'known: eed6bfa8b282 (.*) .* backport it' "$T/g/gate.txt" ||
    { cp "$T/g/gate.txt" "$T/out"; bad "gate.txt names the fix to backport"; }
  runs=$((runs + 1))
  python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/g/gate.junit.xml" \
    >"$T/out" 2>&1 || bad "gate.junit.xml is not XML"
  # The kernel's own KTAP parser, from the same tarball.
  mkdir -p "$T/k"
  if tar -xf "$DEBIAN" -C "$T/k" --wildcards '*/tools/testing/kunit/*' 2>/dev/null; then
    runs=$((runs + 1))
    kunit=$(find "$T/k" -name kunit.py | head -n 1)
    python3 "$kunit" parse "$T/g/gate.ktap" >"$T/out" 2>&1 || bad "kunit.py parse gate.ktap failed"
    grep -q 'Ran [0-9]* tests: passed: [0-9]*' "$T/out" || bad "kunit.py parse: no test counts"
    ! grep -qi 'error\|crashed\|failed: [1-9]' "$T/out" || bad "kunit.py parse reports a failure"
  else
    echo "note: $DEBIAN has no tools/testing/kunit: the KTAP parser check is not run"
  fi
  ;;
patched)
  # The trees, as folders: the Debian one and the one with the bug back.
  base=$("$(dirname "$0")/unpack.sh" "$DEBIAN" "$T/base") || exit 1
  mkdir -p "$T/patched" && cp -R "$base" "$T/patched/" || exit 1
  patched=$T/patched/$(basename "$base")
  TAB=$(printf '\t')
  grep "^access-flags-gathered-noop$TAB" "$SRC/kernel/mutants.tsv" | cut -f4 >"$T/edits"
  [ -s "$T/edits" ] || { echo "FAIL: kernel/mutants.tsv has no access-flags-gathered-noop row"; exit 1; }
  f=$patched/arch/arm64/mm/contpte.c
  while IFS= read -r e; do
    sed -E -e "$e" "$f" >"$f.new" && ! cmp -s "$f" "$f.new" && mv "$f.new" "$f" ||
      { echo "FAIL: the edit did not apply: $e"; exit 1; }
  done <"$T/edits"
  gate 1 "$T/new" --tree "$patched" --base "$base" --subject contpte --phases programs
  check "$T/new.json" "any(f['status'] == 'new' and f['cls'] == 'return-value' for f in findings('contpte'))" \
    "the re-introduced bug is a new return-value finding"
  check "$T/new.json" "all(f['status'] == 'new' and f['fails'] for f in findings('contpte'))" \
    "every finding is new and fails the gate"
  check "$T/new.json" "all(__import__('os').path.isfile(f['repro']) for f in findings('contpte'))" \
    "every finding has its minimized repro"
  runs=$((runs + 1))
  r=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["subjects"][0]["findings"][0]["repro"])' "$T/new.json")
  "$PTEDIFF" run --backend "$(ls "$T"/new/contpte/lib/contpte-tree-*.so | head -n 1)" "$r" >"$T/out" 2>&1
  [ $? -eq 1 ] || bad "$r: does not diverge on the patched tree's backend"
  gate 0 "$T/fixed" --tree "$base" --base "$patched" --subject contpte --phases programs
  check "$T/fixed.json" "findings('contpte') and all(f['status'] == 'fixed' and not f['fails'] for f in findings('contpte'))" \
    "the trees swapped, the finding is fixed"
  ;;
newer)
  if [ ! -f "$OTHER" ]; then
    echo "SKIP: no $OTHER (scripts/fetch-linux-source.sh fetches it; make deps runs it)"
    exit 77
  fi
  gate 0 "$T/g" --tree "$OTHER" --base "$DEBIAN" --phases programs
  check "$T/g.json" "subj('hugetlb')['base_version'].startswith('6.12.')" "the base is 6.12"
  check "$T/g.json" "any(f['status'] == 'fixed' and f['known_commit'] == 'eed6bfa8b282' for f in findings('hugetlb'))" \
    "hugetlb: eed6bfa8b282 comes out fixed"
  check "$T/g.json" "not any(f['fails'] for s in g['subjects'] for f in s['findings'])" \
    "no finding fails the gate"
  ;;
*)
  echo "usage: gate_test.sh debian|patched|newer PTEDIFF SOURCE_DIR DEBIAN_TARBALL [OTHER]"
  exit 2
  ;;
esac
echo "ptediff gate ($MODE): $runs checks, $fails failures"
[ "$fails" -eq 0 ]
