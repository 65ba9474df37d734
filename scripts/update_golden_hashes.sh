#!/bin/sh
# Regenerates conformance/golden_hashes.txt from the current build: the trace
# hash of every mutant program (with and without its mutant), regression and
# corpus file, of every subject. Only after an intended change of what a run observes.
set -e
cd "$(dirname "$0")/.."
PTEDIFF=${PTEDIFF:-build/ptediff}
hash_of() { "$PTEDIFF" run --mutant "$2" "$1" | sed -n 's/.*trace hash \([0-9a-f]*\).*/\1/p' | tail -1; }
{
  echo "# path mutant trace-hash (see conformance/golden_hash_test.cc)"
  for f in conformance/mutants/*.repro; do
    m=$(basename "$f" .repro)
    echo "$f $m $(hash_of "$f" "$m")"
    echo "$f none $(hash_of "$f" none)"
  done
  for f in conformance/regressions/*.repro corpus/*.repro corpus/linearmap/*.repro \
      corpus/hugetlb/*.repro; do
    [ -f "$f" ] && echo "$f none $(hash_of "$f" none)"
  done
} > conformance/golden_hashes.txt
wc -l conformance/golden_hashes.txt
