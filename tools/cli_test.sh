#!/bin/sh
# ptediff: end-to-end tests of the command-line tool (exit statuses, error
# lines, minimize, encode/decode, external backends, checked I/O, help and
# version, hostile command lines). Usage:
#   cli_test.sh PTEDIFF SOURCE_DIR NAIVE_SO BUGGY_SO HUGETLB_V2_SO [CMAKE]
set -u
PTEDIFF=$1 SRC=$2 NAIVE=$3 BUGGY=$4 HTSO=$5 CMAKE=${6:-}
case $PTEDIFF in /*) ;; *) PTEDIFF=$PWD/$PTEDIFF ;; esac  # some checks run in another folder
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check() {  # check NAME EXPECTED_STATUS CMD...
  name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; sed 's/^/  | /' "$T/out" "$T/err" | head -20
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
expect_err() {  # expect_err NAME PATTERN: the last command's stderr is one line matching PATTERN
  if [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "$2" "$T/err"; then
    echo "FAIL $1: stderr is not one line matching '$2':"; sed 's/^/  | /' "$T/err" | head -5
    fails=$((fails + 1))
  fi
}
bad() {  # bad NAME LINE PATTERN CONTENT: a malformed repro rejected with file:LINE
  printf '%b' "$4" >"$T/$1.repro"
  check "malformed $1" 2 "$PTEDIFF" run "$T/$1.repro"
  expect_err "malformed $1" "$T/$1.repro:$2: .*$3"
}

H='ptediff-repro 1\ngranule 4k\n'
bad unknown-op 3 "unknown" "${H}frobnicate mm=0 va=0x0\n"
bad missing-key 3 "missing" "${H}ptep_get mm=0\n"
bad bad-number 3 "" "${H}ptep_get mm=0 va=0x12g\n"
bad out-of-range 3 "range" "${H}ptep_get mm=7 va=0x0\n"
bad unaligned-va 3 "" "${H}ptep_get mm=0 va=0x10\n"
bad truncated-header 2 "" "ptediff-repro 1\nptep_get mm=0 va=0x0\n"
bad no-magic 1 "" "granule 4k\nptep_get mm=0 va=0x0\n"
bad empty 1 "" ""
bad duplicate-key 3 "" "${H}ptep_get mm=0 mm=0 va=0x0\n"
# Text runs as written: operands in range but illegal in their state, and
# entries arm64 never creates, are rejected at their line (not repaired).
F='folio_alloc order=4 place=low\n'
bad impossible-prot 4 "drop ro" "${H}${F}set_ptes mm=0 va=0x10000 nr=1 folio=0 idx=0 prot=a|d|w|ro\n"
bad nr-past-folio 4 "nr=17 is not legal" "${H}${F}set_ptes mm=0 va=0x10000 nr=17 folio=0 idx=0 prot=a\n"
bad unallocated-folio 4 "folio=1 is not legal" "${H}${F}set_ptes mm=0 va=0x10000 nr=1 folio=1 idx=0 prot=a\n"
bad special-batch 4 "nr=2 is not legal" "${H}${F}set_ptes mm=0 va=0x10000 nr=2 folio=0 idx=0 prot=a|special\n"
bad nothing-mapped 3 "cannot run" "${H}ptep_get mm=0 va=0x10000\n"
bad fault-misaligned 4 "order=4 is not legal" "${H}fault mm=0 va=0x10000 order=0 write=1 place=low\nfault mm=0 va=0x12000 order=4 write=1 place=low\n"

# Nothing runs when one of several inputs is bad.
cp "$SRC/conformance/mutants/get-no-gather.repro" "$T/good.repro"
check "bad input runs nothing" 2 "$PTEDIFF" run "$T/good.repro" "$T/unknown-op.repro"
grep -q "DIVERGED\|ok," "$T/out" && { echo "FAIL bad input runs nothing: something ran"; fails=$((fails + 1)); }

check "usage: no command" 2 "$PTEDIFF"
check "usage: unknown command" 2 "$PTEDIFF" frob
expect_err "usage: unknown command" "unknown command"
check "usage: bad flag" 2 "$PTEDIFF" run --frob "$T/good.repro"
check "usage: bad flag value" 2 "$PTEDIFF" fuzz --seconds=abc
check "usage: unknown mutant" 2 "$PTEDIFF" run --mutant no-such-bug "$T/good.repro"
expect_err "usage: unknown mutant" "unknown mutant"
check "missing file" 2 "$PTEDIFF" run "$T/does-not-exist.repro"
expect_err "missing file" "does-not-exist"
check "bad backend" 2 "$PTEDIFF" run --backend "$T/good.repro" "$T/good.repro"
check "mutants lists the catalogue" 0 "$PTEDIFF" mutants
grep -q "unfold-drops-dirty" "$T/out" || { echo "FAIL mutants: catalogue incomplete"; fails=$((fails + 1)); }

# Run: clean 0, divergence 1, JSON.
check "run clean" 0 "$PTEDIFF" run --mutant none "$T/good.repro"
check "run mutant" 1 "$PTEDIFF" run "$T/good.repro"
grep -q "divergence \[return-value\]" "$T/out" || { echo "FAIL run mutant: no report"; fails=$((fails + 1)); }
check "run --json" 1 "$PTEDIFF" run --json "$T/good.repro"
grep -q '"class":"return-value"' "$T/out" || { echo "FAIL run --json: no class"; fails=$((fails + 1)); }
check "run --state" 0 "$PTEDIFF" run --state --mutant none "$T/good.repro"
grep -q "mm=0 va=0x10000 R" "$T/out" || { echo "FAIL run --state: no table"; fails=$((fails + 1)); }
check "explain" 1 "$PTEDIFF" explain "$T/good.repro"

# Determinism: the same input twice gives the same trace hash.
"$PTEDIFF" run --mutant none "$T/good.repro" | grep -o 'trace hash [0-9a-f]*' >"$T/h1"
"$PTEDIFF" run --mutant none "$T/good.repro" | grep -o 'trace hash [0-9a-f]*' >"$T/h2"
cmp -s "$T/h1" "$T/h2" || { echo "FAIL determinism"; fails=$((fails + 1)); }

# Encode / decode round trip keeps the hash.
check "encode" 0 "$PTEDIFF" encode "$T/good.repro" -o "$T/good.bin"
check "decode" 0 "$PTEDIFF" decode "$T/good.bin" -o "$T/again.repro"
"$PTEDIFF" run "$T/again.repro" | grep -o 'trace hash [0-9a-f]*' >"$T/h3"
"$PTEDIFF" run "$T/good.repro" | grep -o 'trace hash [0-9a-f]*' >"$T/h4"
cmp -s "$T/h3" "$T/h4" || { echo "FAIL encode/decode changes the run"; fails=$((fails + 1)); }

# Minimize: never overwrites its input; the output reproduces the class.
cp "$T/good.repro" "$T/keep.repro"
check "minimize refuses its input" 2 "$PTEDIFF" minimize "$T/good.repro" -o "$T/good.repro"
cmp -s "$T/good.repro" "$T/keep.repro" || { echo "FAIL minimize touched its input"; fails=$((fails + 1)); }
check "minimize" 0 "$PTEDIFF" minimize "$T/good.repro" -o "$T/min.repro" --gtest "$T/min_test.cc"
check "minimized reproduces" 1 "$PTEDIFF" run "$T/min.repro"
grep -q "return-value" "$T/out" || { echo "FAIL minimized: other class"; fails=$((fails + 1)); }
grep -q "TEST(Regression" "$T/min_test.cc" || { echo "FAIL minimize --gtest"; fails=$((fails + 1)); }

# Mid-op events: explore finds the schedule an interleaving-only mutant needs
# and writes it; the program without its events is clean under every one.
IL="$SRC/conformance/mutants/convert-read-then-clear.repro"
grep -v '@' "$IL" >"$T/il_bare.repro"
check "events: run" 1 "$PTEDIFF" run "$IL"
check "events: bare program misses it" 0 "$PTEDIFF" run "$T/il_bare.repro"
check "explore finds it" 1 "$PTEDIFF" explore "$T/il_bare.repro" -o "$T/il_found.repro"
grep -q "DIVERGED after" "$T/out" || { echo "FAIL explore: no summary"; fails=$((fails + 1)); }
check "explored schedule reproduces" 1 "$PTEDIFF" run "$T/il_found.repro"
grep -q "@ prim=" "$T/il_found.repro" || { echo "FAIL explore: no event written"; fails=$((fails + 1)); }
check "explore clean" 0 "$PTEDIFF" explore --mutant none --bound 2 "$T/il_bare.repro"
grep -q "clean under all" "$T/out" || { echo "FAIL explore clean: no summary"; fails=$((fails + 1)); }
check "explore reference as O" 0 "$PTEDIFF" explore --backend reference --bound 2 "$T/il_bare.repro"
check "explain shows events" 1 "$PTEDIFF" explain "$IL"
grep -q "\[hw\]" "$T/out" && grep -q "placed before the op" "$T/out" ||
  { echo "FAIL explain: events not shown"; fails=$((fails + 1)); }
check "minimize keeps events" 0 "$PTEDIFF" minimize "$IL" -o "$T/il_min.repro"
grep -q "@ prim=" "$T/il_min.repro" || { echo "FAIL minimize: events lost"; fails=$((fails + 1)); }
check "explore --bound 3 refused" 2 "$PTEDIFF" explore --bound 3 "$IL"
expect_err "explore --bound 3 refused" "bound must be 1 or 2"
check "explore of the linear map refused" 2 "$PTEDIFF" explore "$SRC/conformance/mutants/split-to-ptes.repro"
expect_err "explore of the linear map refused" "explore does not apply to the linear-map"
bad event-orphan 3 "event before the first op" "${H}@ prim=0 lockless mm=0 va=0x0\n"

# External backends: the C example is clean, its buggy build is caught.
# (hugetlb programs drive the v2 table, which a v1 backend is not.)
V1_REGRESSIONS=$(grep -L "^subject hugetlb" "$SRC"/conformance/regressions/*.repro)
for f in $V1_REGRESSIONS; do
  check "naive backend $(basename "$f")" 0 "$PTEDIFF" run --backend "$NAIVE" "$f"
done
check "buggy naive backend caught" 1 "$PTEDIFF" run --backend "$BUGGY" $V1_REGRESSIONS
grep -q "flush-missing" "$T/out" || { echo "FAIL buggy backend: no flush-missing"; fails=$((fails + 1)); }

# Every command works for the linear-map subject too; what does not apply is refused.
LM="$SRC/conformance/mutants/split-to-ptes.repro"
check "lm run clean" 0 "$PTEDIFF" run --mutant none "$LM"
check "lm run mutant" 1 "$PTEDIFF" run "$LM"
grep -q "pte-state" "$T/out" || { echo "FAIL lm run: no class"; fails=$((fails + 1)); }
check "lm run --json" 1 "$PTEDIFF" run --json "$LM"
grep -q '"class":"pte-state"' "$T/out" || { echo "FAIL lm --json: not JSON"; fails=$((fails + 1)); }
check "lm run --state" 0 "$PTEDIFF" run --state --mutant none "$LM"
grep -q "O 2M" "$T/out" || { echo "FAIL lm --state: no leaves"; fails=$((fails + 1)); }
check "lm explain" 1 "$PTEDIFF" explain "$LM"
check "lm minimize" 0 "$PTEDIFF" minimize "$LM" -o "$T/lm_min.repro"
check "lm minimized reproduces" 1 "$PTEDIFF" run "$T/lm_min.repro"
# The op a minimized divergence shows at is named as in text, change included.
check "lm minimize names the op" 0 "$PTEDIFF" minimize \
  "$SRC/conformance/mutants/walker-assumes-pte.repro" -o "$T/lm_walker.repro"
grep -q "at set_memory_ro: " "$T/out" ||
  { echo "FAIL lm minimize: op not named set_memory_ro"; fails=$((fails + 1)); }
# Linear-map op lines are read through the shared op table: its messages.
LMH='ptediff-repro 1\nsubject linear-map\ngranule 4k\n'
bad lm-missing-operand 4 "missing operand 'nr' (set_memory_ro takes: va nr)" \
  "${LMH}set_memory_ro va=0x0\n"
bad lm-unknown-change 4 "unknown op 'set_memory_rx'" "${LMH}set_memory_rx va=0x0 nr=1\n"
bad lm-bad-flag 4 "bad flags value 'huge'" "${LMH}map va=0x0 pa=0x0 size=0x1000 flags=huge\n"
check "lm encode" 0 "$PTEDIFF" encode "$LM" -o "$T/lm.bin"
check "lm decode" 0 "$PTEDIFF" decode --subject linear-map "$T/lm.bin" -o "$T/lm_again.repro"
check "lm decoded reproduces" 1 "$PTEDIFF" run "$T/lm_again.repro"
check "lm binary needs --subject" 1 "$PTEDIFF" run --subject linear-map "$T/lm.bin"
check "lm backend refused" 2 "$PTEDIFF" run --backend "$NAIVE" "$LM"
expect_err "lm backend refused" "does not apply"
check "mutant of another subject refused" 2 "$PTEDIFF" run --mutant get-no-gather "$LM"
expect_err "mutant of another subject refused" "not one of the linear-map"
check "subject/mutant mismatch refused" 2 "$PTEDIFF" fuzz --subject contpte --mutant split-to-ptes
expect_err "subject/mutant mismatch refused" "belongs to the linear-map"
# The race pass of `ptediff fuzz` explores one mid-op event over the seeds: a
# bug only an interleaving exposes is found in seconds.
# (convert-read-then-clear: the seeds alone expose it, within the first second)
check "fuzz race pass finds a race-only mutant" 1 "$PTEDIFF" fuzz --mutant convert-read-then-clear \
  --seconds 8 --out "$T/race"
grep -Eq "race pass +[0-9]+ inputs, [0-9]+ schedules of one mid-op event, [1-9]" "$T/out" ||
  { echo "FAIL fuzz race pass: no race-pass finding"; fails=$((fails + 1)); }
ls "$T"/race/race-*.repro >/dev/null 2>&1 || { echo "FAIL fuzz race pass: no repro"; fails=$((fails + 1)); }
for r in "$T"/race/race-*.repro; do
  check "race-pass repro replays" 1 "$PTEDIFF" run --mutant convert-read-then-clear "$r"
  break
done
check "fuzz race pass says why it does not run" 0 "$PTEDIFF" fuzz --subject linear-map --seconds 2 \
  --out "$T/race-lm"
grep -q "race pass    not run: " "$T/out" ||
  { echo "FAIL fuzz race pass: no reason for linear-map"; fails=$((fails + 1)); }
check "text of another subject refused" 2 "$PTEDIFF" run --subject contpte "$LM"
check "unknown subject refused" 2 "$PTEDIFF" mutants --subject frob
check "flag of another command refused" 2 "$PTEDIFF" mutants --seconds 5
expect_err "flag of another command refused" "does not apply to"
check "mutants --subject" 0 "$PTEDIFF" mutants --subject linear-map
grep -q "unfold-drops-dirty" "$T/out" && { echo "FAIL mutants --subject: other subject listed"; fails=$((fails + 1)); }
# A binary input is read as the subject of the mutant that --mutant names.
check "binary takes the mutant's subject" 1 "$PTEDIFF" run --mutant split-to-ptes "$T/lm.bin"
grep -q "pte-state" "$T/out" || { echo "FAIL binary takes the mutant's subject: no class"; fails=$((fails + 1)); }
# Text meant as a program, with a misspelt magic line and no .repro suffix,
# is refused at that line, not replayed as a binary input.
sed 's/^ptediff-repro 1/ptediff-repo 1/' "$T/good.repro" >"$T/misspelt.txt"
MAGIC_LINE=$(grep -n '^ptediff-repo 1' "$T/misspelt.txt" | cut -d: -f1)
check "misspelt magic line refused" 2 "$PTEDIFF" run "$T/misspelt.txt"
expect_err "misspelt magic line refused" "misspelt.txt:$MAGIC_LINE: a text program starts with"

# The hugetlb subject, the same way.
HT="$SRC/conformance/mutants/get-and-clear-nonpresent.repro"
check "ht run clean" 0 "$PTEDIFF" run --mutant none "$HT"
check "ht run mutant" 1 "$PTEDIFF" run "$HT"
grep -q "pte-state" "$T/out" || { echo "FAIL ht run: no class"; fails=$((fails + 1)); }
check "ht run --json" 1 "$PTEDIFF" run --json "$HT"
grep -q '"class":"pte-state"' "$T/out" || { echo "FAIL ht --json: not JSON"; fails=$((fails + 1)); }
# --json lists at most 64 divergences for every subject and counts the rest:
# 81 write faults and forks, each of which the mutant makes diverge.
{ grep -v '^#' "$SRC/conformance/mutants/wrprotect-one-entry.repro"
  for i in $(seq 80); do printf 'fault mm=0 page=0 write=1 race=0\nfork\n'; done; } >"$T/many.repro"
check "ht run --json bounded" 1 "$PTEDIFF" run --all --json "$T/many.repro"
[ "$(grep -o '"class":' "$T/out" | wc -l)" -eq 64 ] && grep -q '"divergences_omitted":17' "$T/out" ||
  { echo "FAIL ht --json: not bounded to 64 rows"; fails=$((fails + 1)); }
check "ht run --state" 0 "$PTEDIFF" run --state --mutant none "$HT"
grep -q "mm=0 page 2: R migration-write" "$T/out" || { echo "FAIL ht --state: no entries"; fails=$((fails + 1)); }
check "ht explain" 1 "$PTEDIFF" explain "$HT"
check "ht minimize" 0 "$PTEDIFF" minimize "$HT" -o "$T/ht_min.repro"
check "ht minimized reproduces" 1 "$PTEDIFF" run "$T/ht_min.repro"
check "ht encode" 0 "$PTEDIFF" encode "$HT" -o "$T/ht.bin"
check "ht decode" 0 "$PTEDIFF" decode --subject hugetlb "$T/ht.bin" -o "$T/ht_again.repro"
check "ht decoded reproduces" 1 "$PTEDIFF" run "$T/ht_again.repro"
check "ht binary" 1 "$PTEDIFF" run --subject hugetlb "$T/ht.bin"
check "ht v1 backend refused" 2 "$PTEDIFF" run --backend "$NAIVE" "$HT"
expect_err "ht v1 backend refused" "takes a v2 backend"
check "ht v2 backend clean" 0 "$PTEDIFF" run --backend "$HTSO" "$SRC"/corpus/hugetlb/*.repro
check "ht v2 backend takes --mutant" 1 "$PTEDIFF" run --backend "$HTSO" --mutant get-and-clear-nonpresent "$HT"
check "ht v2 backend not given the header's mutant" 0 "$PTEDIFF" run --backend "$HTSO" "$HT"
check "ht reference as O" 0 "$PTEDIFF" run --backend reference --mutant none "$HT"
check "v2 backend refused for contpte" 2 "$PTEDIFF" run --backend "$HTSO" "$SRC/corpus/access_flags_cont_4k.repro"
check "ht explore clean" 0 "$PTEDIFF" explore --mutant none "$HT"
grep -q "clean under all" "$T/out" || { echo "FAIL ht explore: no summary"; fails=$((fails + 1)); }
HIL="$SRC/conformance/mutants/huge-wrprotect-read-then-clear.repro"
check "ht explore finds it" 1 "$PTEDIFF" explore "$HIL" -o "$T/hil_found.repro"
check "ht explored schedule reproduces" 1 "$PTEDIFF" run "$T/hil_found.repro"
grep -q "@ prim=" "$T/hil_found.repro" || { echo "FAIL ht explore: no event written"; fails=$((fails + 1)); }
check "ht explore v1 backend refused" 2 "$PTEDIFF" explore --backend "$NAIVE" "$HT"
check "ht mutants" 0 "$PTEDIFF" mutants --subject hugetlb
grep -q "49c87f767774" "$T/out" || { echo "FAIL ht mutants: no source"; fails=$((fails + 1)); }
HH='ptediff-repro 1\nsubject hugetlb\ngranule 16k\n'
bad ht-pud-16k 4 "size" "${HH}size pud\n"
bad ht-page-range 5 "out of range" "${HH}size cont-pmd\nfault mm=0 page=2 write=0 race=0\n"
bad ht-missing-race 5 "race" "${HH}size pmd\nfault mm=0 page=0 write=0\n"

# Every write is checked (flush and close included): a failing one is one
# error line and exit 2, and nothing is reported as written.
for c in "minimize --mutant get-no-gather" encode decode; do
  check "write failure: $c -o" 2 "$PTEDIFF" $c "$T/good.repro" -o /dev/full
  expect_err "write failure: $c -o" "^ptediff: cannot write /dev/full: No space left on device$"
  [ -s "$T/out" ] && { echo "FAIL write failure: $c reported something"; fails=$((fails + 1)); }
done
check "write failure: explore -o" 2 "$PTEDIFF" explore "$T/il_bare.repro" -o /dev/full
expect_err "write failure: explore -o" "^ptediff: cannot write /dev/full: "
check "write failure: minimize --gtest" 2 "$PTEDIFF" minimize "$T/good.repro" -o "$T/w.repro" --gtest /dev/full
expect_err "write failure: minimize --gtest" "^ptediff: cannot write /dev/full: "
grep -q wrote "$T/out" && { echo "FAIL write failure: --gtest reported as written"; fails=$((fails + 1)); }
check "write failure: standard output" 2 sh -c '"$1" decode "$2" >/dev/full' - "$PTEDIFF" "$T/good.repro"
expect_err "write failure: standard output" "^ptediff: cannot write standard output: No space left"
# A regular file past the file size limit (its error line goes through a
# pipe, which the limit does not cover): the old content stays.
echo "old content" >"$T/kept.txt"
msg=$( (trap '' XFSZ; ulimit -f 0; exec "$PTEDIFF" decode "$T/good.repro" -o "$T/kept.txt") 2>&1); st=$?
if [ "$st" != 2 ] || [ "$msg" != "ptediff: cannot write $T/kept.txt: File too large" ]; then
  echo "FAIL write failure: a regular file: exit $st: $msg"; fails=$((fails + 1))
else
  echo "ok   write failure: a regular file"
fi
[ "$(cat "$T/kept.txt")" = "old content" ] || { echo "FAIL a failed write changed the file"; fails=$((fails + 1)); }
check "written files are whole" 0 "$PTEDIFF" decode "$T/good.repro" -o "$T/dec.repro"
ls -a "$T" | grep -q "ptediff-" && { echo "FAIL a temporary file was left"; fails=$((fails + 1)); }
check "decoded file runs" 1 "$PTEDIFF" run "$T/dec.repro"

# Outputs are checked before any work: the error names the output, not the
# (malformed) input that would be read next.
check "output checked first: missing folder" 2 "$PTEDIFF" minimize "$T/unknown-op.repro" -o "$T/nowhere/m.repro"
expect_err "output checked first: missing folder" "^ptediff: cannot write $T/nowhere/m.repro: No such file or directory$"
check "output checked first: a folder" 2 "$PTEDIFF" encode "$T/unknown-op.repro" -o "$T"
expect_err "output checked first: a folder" "^ptediff: cannot write $T: Is a directory$"
check "output checked first: gtest folder" 2 "$PTEDIFF" minimize "$T/unknown-op.repro" -o "$T/m.repro" --gtest "$T/nowhere/t.cc"
expect_err "output checked first: gtest folder" "cannot write $T/nowhere/t.cc"
check "-o and --gtest the same file" 2 "$PTEDIFF" minimize "$T/good.repro" -o "$T/same.repro" --gtest "$T/./same.repro"
expect_err "-o and --gtest the same file" "^ptediff: -o and --gtest name the same file"
[ -e "$T/same.repro" ] && { echo "FAIL -o written though --gtest names it"; fails=$((fails + 1)); }
check "--gtest the input" 2 "$PTEDIFF" minimize "$T/good.repro" -o "$T/g.repro" --gtest "$T/good.repro"
expect_err "--gtest the input" "^ptediff: --gtest $T/good.repro is the input file"
[ -e "$T/g.repro" ] && { echo "FAIL -o written though --gtest is the input"; fails=$((fails + 1)); }
cmp -s "$T/good.repro" "$T/keep.repro" || { echo "FAIL --gtest touched the input"; fails=$((fails + 1)); }
ln -s good.repro "$T/link.repro"
check "-o a link to the input" 2 "$PTEDIFF" explore "$T/good.repro" -o "$T/link.repro"
check "quiet on legal outputs" 0 "$PTEDIFF" minimize "$T/good.repro" -o "$T/q.repro" --gtest "$T/q_test.cc"

# Reads: a failed read is one error line; a binary input is read up to what
# decoding can use (with a note), a text one whole or refused unread.
check "input is a folder" 2 "$PTEDIFF" run "$T"
expect_err "input is a folder" "^ptediff: cannot read $T: Is a directory$"
check "input read error" 2 "$PTEDIFF" run /proc/self/mem
expect_err "input read error" "^ptediff: cannot read /proc/self/mem: Input/output error$"
head -c 33554432 /dev/urandom >"$T/cap.bin"
cat "$T/cap.bin" "$T/cap.bin" >"$T/big.bin"
"$PTEDIFF" run "$T/cap.bin" >"$T/cap.out" 2>"$T/cap.err"; want=$?
check "big binary is cut" "$want" "$PTEDIFF" run "$T/big.bin"
expect_err "big binary is cut" "^ptediff: note: $T/big.bin: read its first 32 MiB only"
[ -s "$T/cap.err" ] && { echo "FAIL binary within the cap got a note"; fails=$((fails + 1)); }
grep -o 'trace hash [0-9a-f]*' "$T/out" >"$T/h5"; grep -o 'trace hash [0-9a-f]*' "$T/cap.out" >"$T/h6"
cmp -s "$T/h5" "$T/h6" || { echo "FAIL big binary: not its first 32 MiB"; fails=$((fails + 1)); }
cp "$T/good.repro" "$T/huge.repro"
truncate -s 300M "$T/huge.repro"
check "huge text refused" 2 "$PTEDIFF" run "$T/huge.repro"
expect_err "huge text refused" "^ptediff: $T/huge.repro: a text program larger than 256 MiB"

# Help: three spellings, one text, from the table the flags are checked
# against; --subject shown on every command of programs; the version.
for c in run explain minimize explore fuzz mutants kernel gate encode decode; do
  check "$c --help" 0 "$PTEDIFF" $c --help
  cp "$T/out" "$T/help1"
  grep -q "^usage: ptediff $c " "$T/help1" || { echo "FAIL $c --help: no usage"; fails=$((fails + 1)); }
  check "$c -h" 0 "$PTEDIFF" $c -h
  cmp -s "$T/out" "$T/help1" || { echo "FAIL $c -h differs"; fails=$((fails + 1)); }
  check "help $c" 0 "$PTEDIFF" help $c
  cmp -s "$T/out" "$T/help1" || { echo "FAIL help $c differs"; fails=$((fails + 1)); }
done
check "--help" 0 "$PTEDIFF" --help
for c in run explain minimize explore fuzz mutants encode decode; do
  tr '\n' ' ' <"$T/out" | sed 's/ptediff /\n&/g' | grep "^ptediff $c " | grep -q -- "--subject S" ||
    { echo "FAIL usage: no --subject for $c"; fails=$((fails + 1)); }
done
check "help of no command" 2 "$PTEDIFF" help frob
expect_err "help of no command" "unknown command 'frob'"
check "--version" 0 "$PTEDIFF" --version
grep -Eq '^ptediff [0-9]+[.][0-9]+[.][0-9]+ [(]commit ([0-9a-zA-Z._-]+|unknown)[)]$' "$T/out" ||
  { echo "FAIL --version:"; cat "$T/out"; fails=$((fails + 1)); }
commit=$(sed 's/.*(commit \(.*\))$/\1/' "$T/out")
if [ "$(git -C "$SRC" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$SRC" && pwd -P)" ]; then
  c=${commit%-dirty}; c=${c##*-g}
  git -C "$SRC" rev-parse --verify --quiet "$c^{commit}" >/dev/null ||
    { echo "FAIL --version: '$commit' is no commit of $SRC"; fails=$((fails + 1)); }
else
  [ "$commit" = unknown ] || { echo "FAIL --version outside git: $commit"; fails=$((fails + 1)); }
fi
cp "$T/out" "$T/v1"
check "version" 0 "$PTEDIFF" version
cmp -s "$T/out" "$T/v1" || { echo "FAIL version differs from --version"; fails=$((fails + 1)); }
if [ -n "$CMAKE" ]; then
  mkdir "$T/nogit"
  check "build info outside git" 0 "$CMAKE" -DSOURCE_DIR="$T/nogit" -DOUT="$T/bi.cc" -DVERSION=9.8.7 \
    -P "$SRC/tools/build_info.cmake"
  grep -q 'build_commit() { return "unknown"; }' "$T/bi.cc" && grep -q '"9.8.7"' "$T/bi.cc" ||
    { echo "FAIL build info outside git"; fails=$((fails + 1)); }
fi

# The gate's usage errors: one line, exit 2, before anything is built.
gate_bad() {  # gate_bad NAME PATTERN ARGS...
  name=$1 pat=$2; shift 2
  check "gate: $name" 2 "$PTEDIFF" gate -o "$T/gate" "$@"
  expect_err "gate: $name" "$pat"
}
gate_bad "no tree" "gate needs --tree" --seconds 1
gate_bad "no such tree" "no such directory or tarball" --tree "$T/none"
gate_bad "no such base" "$T/none: no such" --tree "$SRC" --base "$T/none"
gate_bad "format" "unknown --format 'xml'" --tree "$SRC" --format xml
gate_bad "phases" "unknown phase 'fuzzing'" --tree "$SRC" --phases programs,fuzzing
gate_bad "seconds" "--seconds must be 0 to 86400" --tree "$SRC" --seconds -1
gate_bad "jobs" "--jobs must be 1 to 64" --tree "$SRC" --jobs 0
gate_bad "subject" "not a subject whose kernel code" --tree "$SRC" --subject frob
gate_bad "not a tarball" "not a readable tarball" --tree "$T/good.repro"
gate_bad "flag of another command" "does not apply to .ptediff gate." --tree "$SRC" --mutant x
[ ! -e "$T/gate/gate.txt" ] || { echo "FAIL gate: a usage error wrote a report"; fails=$((fails + 1)); }

# Hostile command lines: a normal outcome or one error line with exit 2;
# never a crash.
hostile() {  # hostile NAME ARGS...
  name=$1; shift
  "$PTEDIFF" "$@" >"$T/out" 2>"$T/err"; st=$?
  if [ "$st" -gt 2 ] || { [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -ne 1 ]; } ||
    grep -q "Sanitizer\|runtime error" "$T/err"; then
    echo "FAIL hostile $name: exit $st"; sed 's/^/  | /' "$T/err" | head -5; fails=$((fails + 1))
  fi
}
NL=$(printf 'a\nb')
hostile empty-command ""
hostile empty-file run ""
hostile newline-file run "$NL"
hostile newline-flag run "--$NL" "$T/good.repro"
hostile newline-mutant run --mutant "$NL" "$T/good.repro"
hostile dash run -
hostile dashes run -- -
hostile eq-only run --= "$T/good.repro"
hostile empty-value run --subject= "$T/good.repro"
hostile o-last minimize "$T/good.repro" -o
hostile o-empty minimize "$T/good.repro" -o ""
hostile max-negative explore --max=-1 "$T/good.repro"
hostile max-overflow explore --max=18446744073709551616 "$T/good.repro"
hostile jobs-overflow fuzz --jobs=2147483648
hostile seconds-negative fuzz --seconds=-1
hostile bool-value run --json=maybe "$T/good.repro"
hostile help-extra help run extra
hostile binary-arg run "$(printf '\001\377')"
awk 'BEGIN { srand(7); n = split("run explain minimize explore encode decode mutants help -h --json --all --state --mutant get-no-gather none -o --gtest --subject contpte hugetlb --bound 2 --max 3 -- - --nojson", w, " ");
  for (i = 0; i < 120; i++) { line = ""; k = 1 + int(rand() * 6);
    for (j = 0; j < k; j++) line = line " " w[1 + int(rand() * n)];
    print line " GOOD" } }' >"$T/lines"
mkdir "$T/fz"
cd "$T/fz" || exit 1
while read -r line; do
  # shellcheck disable=SC2086
  hostile "random:$line" $(echo "$line" | sed "s|GOOD|$T/good.repro|")
done <"$T/lines"
cd - >/dev/null || exit 1
ls "$T/fz" | grep -q "ptediff-" && { echo "FAIL hostile: a temporary file was left"; fails=$((fails + 1)); }

# Garbage binary input never crashes.
head -c 4096 /dev/urandom >"$T/noise.bin"
"$PTEDIFF" run "$T/noise.bin" >/dev/null 2>&1; st=$?
[ "$st" -le 1 ] || { echo "FAIL binary noise: exit $st"; fails=$((fails + 1)); }

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
