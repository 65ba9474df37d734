# ptediff kernel shim: what the extraction scripts (extract.sh,
# hugetlb/extract.sh) and mutate.sh share (sourced).
#
# fail MSG: the one error line every bad input gets, then exit status 2.
# need_args WANT GOT USAGE: fails with USAGE unless GOT == WANT.
fail() {
  echo "ptediff kernel: $*" >&2
  exit 2
}
need_args() {
  [ "$2" -eq "$1" ] || fail "usage: $3"
}

# start_extract OUTDIR: creates OUTDIR (OUT) and a private work folder in it
# (WORK), removed on exit; what is extracted is written there first.
start_extract() {
  OUT=$1
  mkdir -p "$OUT" 2>/dev/null || fail "cannot create $OUT"
  WORK=$(mktemp -d "$OUT/.extract.XXXXXX") || fail "cannot create a work folder in $OUT"
  trap 'rm -rf "$WORK"' EXIT
}

# open_tree TREE FILE...: SRC, the top folder of TREE, a Linux source tree
# (a directory) or a tarball of one, of which only the Makefile and the
# FILEs (paths in the tree) are unpacked into WORK; version ("6.12") and
# sublevel ("117") from its Makefile.
open_tree() {
  tree=$1
  shift
  if [ -d "$tree" ]; then
    SRC=$tree
  elif [ -f "$tree" ]; then
    # The tarball's top folder, from its first entry (tar stops reading early).
    top=$(tar -tf "$tree" 2>/dev/null | head -n 1 | cut -d/ -f1)
    [ -n "$top" ] || fail "$tree: not a readable tarball"
    # The members: the Makefile and each FILE, prefixed with the top folder
    # (every turn appends one and drops one of the originals; the loop's list
    # is expanded once).
    set -- Makefile "$@"
    for f; do
      set -- "$@" "$top/$f"
      shift
    done
    tar -xf "$tree" -C "$WORK" "$@" 2>/dev/null
    SRC=$WORK/$top
  else
    fail "$tree: no such directory or tarball"
  fi
  [ -f "$SRC/Makefile" ] || fail "$tree: not a Linux source tree (no top-level Makefile)"
  ver=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
                       $1 == "SUBLEVEL" { s = $2 }
                       END { if (v != "" && p != "") print v "." p " " s }' "$SRC/Makefile")
  [ -n "$ver" ] || fail "$tree: no VERSION/PATCHLEVEL in its Makefile"
  version=${ver% *}
  sublevel=${ver#* }
}

# publish FILE...: writes VERSION ("6.12") and FULLVERSION ("6.12.117") into
# WORK, then moves them and the FILEs into OUT.
publish() {
  echo "$version" >"$WORK/VERSION"
  echo "$version${sublevel:+.$sublevel}" >"$WORK/FULLVERSION"
  for f in "$@" VERSION FULLVERSION; do
    mv -f "$WORK/$f" "$OUT/$f" || fail "cannot write $OUT/$f"
  done
}

# start_gate: what a gate script (tree_test.sh, hugetlb/gate_test.sh) keeps:
# a temporary folder T, removed on exit, where each run writes $T/out; the
# counters runs and fails; and bad MSG, which counts a failure and prints
# MSG with the last run's output indented under it.
start_gate() {
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  fails=0 runs=0
}
bad() {
  echo "FAIL: $*"
  sed 's/^/    /' "$T/out"
  fails=$((fails + 1))
}
# expect_hugetlb_clean PTEDIFF LIB SRC: every shipped hugetlb program (the
# corpus and the hugetlb regressions of SRC) runs clean on backend LIB.
expect_hugetlb_clean() {
  for f in "$3"/corpus/hugetlb/*.repro "$3"/conformance/regressions/hugetlb-*.repro; do
    runs=$((runs + 1))
    "$1" run --backend "$2" "$f" >"$T/out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ] || ! tail -n 1 "$T/out" | grep -q ': ok, .* divergences 0,'; then
      bad "$f: expected clean (status $rc)"
    fi
  done
}
