#!/bin/sh
# ptediff bench: long hugetlb programs, for measuring how run time grows with
# program length.
#
#   bench/hugetlb_long_program.sh SHAPE N [GRANULE SIZE [SEED]] > FILE.repro
#
# Writes a .repro of N ops (at most 100,000, the parser's limit) of one
# shape, over the hstate GRANULE (4k, 16k, 64k; default 4k) and SIZE
# (cont-pte, pmd, cont-pmd, pud; default cont-pte):
#   get     one fault, then huge_ptep_get of the same huge page
#   faults  faults (read and write) and mprotects (none, ro, rw) over the
#           first 8 huge pages in turn
#   mixed   every op kind, pseudo-random from SEED (default 1), over the
#           first 16 huge pages, with a hardware access or walk under one
#           op in 16 (mid-op events)
#   sweep   as faults, walking over every huge page of the window, so each
#           op names a new one until the window is full (4k cont-pte:
#           32,768 pages): an op's cost grows with the pages mapped (the
#           trace hash reads every named page after every op)
# Then `ptediff run FILE.repro`.
set -eu

usage() {
  echo "usage: $0 get|faults|mixed|sweep N [4k|16k|64k cont-pte|pmd|cont-pmd|pud [SEED]]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
shape=$1
n=$2
granule=${3:-4k}
size=${4:-cont-pte}
seed=${5:-1}
case $shape in get | faults | mixed | sweep) ;; *) usage ;; esac
case $n in '' | *[!0-9]*) usage ;; esac
[ "$n" -ge 1 ] && [ "$n" -le 100000 ] || usage

# The hstate's window (subjects/hugetlb/hstate.cc): huge pages in it, and
# entries per huge page (an event's va picks one of them).
geometry() {
  case $granule/$size in
    4k/cont-pte) echo "32768 16 4096" ;;
    4k/pmd) echo "1024 1 2097152" ;;
    4k/cont-pmd) echo "64 16 2097152" ;;
    4k/pud) echo "2 1 1073741824" ;;
    16k/cont-pte) echo "256 128 16384" ;;
    16k/pmd) echo "64 1 33554432" ;;
    16k/cont-pmd) echo "2 32 33554432" ;;
    64k/cont-pte) echo "2048 32 65536" ;;
    64k/pmd) echo "64 1 536870912" ;;
    64k/cont-pmd) echo "2 32 536870912" ;;
    *) echo "$0: no hstate $size with $granule pages" >&2; exit 2 ;;
  esac
}
geo=$(geometry)
set -- $geo
pages=$1
ncontig=$2
pgsize=$3

printf 'ptediff-repro 1\nsubject hugetlb\ngranule %s\nsize %s\nfeatures hafdbs\n' "$granule" "$size"
awk -v shape="$shape" -v n="$n" -v pages="$pages" -v ncontig="$ncontig" -v pgsize="$pgsize" \
  -v seed="$seed" '
function rnd(k) { state = (state * 1103515245 + 12345) % 2147483648; return int(state / 65536) % k }
# Hex of v, which may pass 32 bits (printf %x may not).
function hex(v, s) {
  s = ""
  do { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) } while (v > 0)
  return "0x" s
}
BEGIN {
  state = seed
  prots[0] = "none"; prots[1] = "ro"; prots[2] = "rw"
  kinds[0] = "read"; kinds[1] = "write"; kinds[2] = "exec"
  if (shape == "get") {
    print "fault mm=0 page=0 write=1 race=0"
    for (i = 1; i < n; i++) print "get mm=0 page=0"
    exit
  }
  if (shape == "faults" || shape == "sweep") {
    span = shape == "sweep" || pages < 8 ? pages : 8
    for (i = 0; i < n; i++) {
      p = int(i / 3) % span
      if (i % 3 == 0) printf "fault mm=0 page=%d write=%d race=0\n", p, int(i / 3) % 2
      else if (i % 3 == 1) printf "mprotect mm=0 page=%d prot=%s\n", p, prots[int(i / 3) % 3]
      else printf "fault mm=0 page=%d write=0 race=0\n", p
    }
    exit
  }
  low = pages < 16 ? pages : 16
  picks = ncontig < 64 ? ncontig : 64  # picks are below 64
  for (i = 0; i < n; i++) {
    mm = rnd(4) == 0 ? 1 : 0
    p = rnd(low)
    k = rnd(20)
    if (k < 6) printf "fault mm=%d page=%d write=%d race=%d\n", mm, p, rnd(2), rnd(4) ? 0 : 1 + rnd(ncontig)
    else if (k < 9) printf "access mm=%d page=%d sub=0 kind=%s pick=%d\n", mm, p, kinds[rnd(3)], rnd(64)
    else if (k < 11) printf "get mm=%d page=%d\n", mm, p
    else if (k == 11) print "fork"
    else if (k == 12) printf "unmap mm=%d page=%d\n", mm, p
    else if (k == 13) printf "mprotect mm=%d page=%d prot=%s\n", mm, p, prots[rnd(3)]
    else if (k == 14) printf "migrate mm=%d page=%d\n", mm, p
    else if (k == 15) printf "remove_migration mm=%d page=%d\n", mm, p
    else if (k == 16 && low > 1) printf "mremap mm=%d page=%d to=%d\n", mm, p, (p + 1 + rnd(low - 1)) % low
    else if (k == 17) printf "mkold mm=%d page=%d\n", mm, p
    else printf "mkclean mm=%d page=%d\n", mm, p
    if (rnd(16) == 0) {
      va = hex(p * ncontig * pgsize + rnd(ncontig) * pgsize)
      if (rnd(2)) printf "  @ prim=%d access mm=%d va=%s kind=%s pick=%d\n", rnd(6), mm, va, kinds[rnd(3)], rnd(picks)
      else printf "  @ prim=%d tlb_fill mm=%d va=%s block=%d pick=%d\n", rnd(6), mm, va, rnd(2), rnd(picks)
    }
  }
}'
