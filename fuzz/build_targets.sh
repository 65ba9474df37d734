#!/bin/bash
# ptediff fuzz: builds the fuzz targets with the OSS-Fuzz conventions.
#
# Inputs (environment): CXX, CXXFLAGS (instrumentation and sanitizers),
# LIB_FUZZING_ENGINE (link flag or engine library: -fsanitize=fuzzer,
# /usr/lib/afl/libAFLDriver.a, ...), OUT (where the targets go), WORK
# (scratch; default: a temporary directory). The code under test is compiled
# straight from the library directories (every *.cc but the tests; the CMake
# build warns if that ever differs from the library targets).
# PTEDIFF_BINARIES_ONLY=1 skips dictionaries, options and seed corpora.
# PTEDIFF_KERNEL_TREE, when set, names a Linux tree or tarball (6.9 or later)
# whose own kernel code the kernel targets below fuzz, compiled with CC and
# CFLAGS (instrumented and sanitized like the rest) by kernel/compile.sh.
#
# Output in $OUT: contpte_diff_fuzzer and repro_parser_fuzzer with their
# .dict, .options and _seed_corpus.zip; linearmap_diff_fuzzer and
# hugetlb_diff_fuzzer (same target body, other subjects). With
# PTEDIFF_KERNEL_TREE also contpte_kernel_diff_fuzzer and
# hugetlb_kernel_diff_fuzzer: the same body with the tree's contpte.c or
# hugetlbpage.c linked in as O, the .dict, .options and seeds of the
# subject's own target.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CXX:=clang++}" "${CXXFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${CC:=clang}" "${CFLAGS:=}" "${PTEDIFF_KERNEL_TREE:=}"
: "${OUT:?OUT must name the output directory}" "${PTEDIFF_BINARIES_ONLY:=0}"
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$OUT" "$WORK/obj"
JOBS=$(nproc 2>/dev/null || echo 2)

# The system Abseil is built against libstdc++, so the targets must be too
# (OSS-Fuzz adds -stdlib=libc++ to CXXFLAGS).
CXXFLAGS="${CXXFLAGS//-stdlib=libc++/}"
# The Abseil components the libraries link in CMake (absl::X is pkg-config
# absl_X), linked statically, as libstdc++ is: the fuzzing runner image has
# neither the distribution's Abseil nor necessarily its libstdc++.
LIB_DIRS=(mmu formats oracle engine report subjects subjects/contpte subjects/linearmap
          subjects/hugetlb)
# One differential target per subject, all from fuzz/subject_fuzzer.cc (the
# target name's prefix, then the subject's name), and the contpte parser's.
SUBJECTS=(contpte:contpte linearmap:linear-map hugetlb:hugetlb)
TARGETS=()
for s in "${SUBJECTS[@]}"; do TARGETS+=("${s%%:*}_diff_fuzzer"); done
TARGETS+=(repro_parser_fuzzer)
# The kernel-code targets: SUBJECT:GETTER:EXTRACTION SCRIPT (in kernel/), each
# target named SUBJECT_kernel_diff_fuzzer.
KERNEL_SUBJECTS=()
if [ -n "$PTEDIFF_KERNEL_TREE" ]; then
  KERNEL_SUBJECTS=(contpte:ptediff_backend_v1:extract.sh
                   hugetlb:ptediff_backend_v2_get:hugetlb/extract.sh)
fi
for k in "${KERNEL_SUBJECTS[@]}"; do TARGETS+=("${k%%:*}_kernel_diff_fuzzer"); done
ABSL_MODULES=$(for d in . "${LIB_DIRS[@]}"; do
  if [ -f "$ROOT/$d/CMakeLists.txt" ]; then grep -ho 'absl::[a-z_]*' "$ROOT/$d/CMakeLists.txt"; fi
done |
  sed 's/::/_/' | sort -u)
ABSL_DIR=$(pkg-config --variable=libdir absl_base)
STATIC_LIBS="-static-libstdc++ -static-libgcc -Wl,--start-group"
for l in $(pkg-config --static --libs-only-l $ABSL_MODULES); do
  case "$l" in
    -labsl_*) STATIC_LIBS+=" $ABSL_DIR/lib${l#-l}.a" ;;
    *) STATIC_LIBS+=" $l" ;;
  esac
done
STATIC_LIBS+=" -Wl,--end-group -ldl"
COMMON="-std=c++20 -I$ROOT -I$ROOT/include"

# With libFuzzer-style instrumentation, the same tuning as fuzz/CMakeLists.txt:
# no indirect-call tracing, and no comparison tracing in the files of
# fuzz/no_cmp_trace.txt (the machine model and the checking loops).
COV_ALL="" COV_NO_CMP=""
case " $CXXFLAGS " in
  *-fsanitize=fuzzer*)
    COV_ALL="-fno-sanitize-coverage=indirect-calls"
    COV_NO_CMP="-fno-sanitize-coverage=trace-cmp"
    ;;
esac
NO_CMP_TRACE=" $(tr '\n' ' ' < "$ROOT/fuzz/no_cmp_trace.txt") "
cov_flags() {  # the extra instrumentation flags of source $1
  local rel=${1#"$ROOT"/}
  case "$NO_CMP_TRACE" in *" $rel "*) echo "$COV_ALL $COV_NO_CMP" ;; *) echo "$COV_ALL" ;; esac
}

# The object file of a source, and compile SOURCES... into them (in parallel).
obj() { for s in "$@"; do echo "$WORK/obj/$(echo "${s#"$ROOT"/}" | tr / _).o"; done; }
compile() {
  rm -f "$WORK/failed"
  for s in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.2; done
    # shellcheck disable=SC2086
    { $CXX $COMMON $CXXFLAGS $(cov_flags "$s") -c "$s" -o "$(obj "$s")" || touch "$WORK/failed"; } &
  done
  wait
  [ ! -e "$WORK/failed" ] || { echo "ptediff: compilation failed" >&2; exit 1; }
}

# The kernel code first (a bad tree stops the build before the long part): the
# tree's files extracted (a tarball unpacked once) and compiled into a static
# archive, $WORK/kernel-SUBJECT.a, whose getter a kernel target's body calls.
if [ -n "$PTEDIFF_KERNEL_TREE" ]; then
  tree=$PTEDIFF_KERNEL_TREE
  if [ ! -d "$tree" ]; then tree=$("$ROOT/kernel/unpack.sh" "$tree" "$WORK/kernel-tree"); fi
  for k in "${KERNEL_SUBJECTS[@]}"; do
    subject=${k%%:*}
    "$ROOT/kernel/${k##*:}" "$tree" "$WORK/kernel-$subject"
    CFLAGS="$CFLAGS $COV_ALL" "$ROOT/kernel/compile.sh" "$subject" "$WORK/kernel-$subject" \
      "$WORK/kernel-$subject.a" --static
  done
fi

LIB_SOURCES=()
for d in "${LIB_DIRS[@]}"; do
  for s in "$ROOT/$d"/*.cc; do
    # Not the tests, their helpers, or the built-in backend libraries of
    # hugetlb and the linear map (export_v2.cc, export_v3.cc).
    case "$s" in *_test.cc | *_test_util.cc | */export_v2.cc | */export_v3.cc) ;; *) LIB_SOURCES+=("$s") ;; esac
  done
done
compile "${LIB_SOURCES[@]}" "$ROOT/fuzz/repro_parser_fuzzer.cc"
# link_objects NAME FILES...: $OUT/NAME from FILES (objects, archives) and the libraries.
link_objects() {
  local name=$1
  shift
  # shellcheck disable=SC2046,SC2086
  $CXX $CXXFLAGS "$@" $(obj "${LIB_SOURCES[@]}") $LIB_FUZZING_ENGINE $STATIC_LIBS -o "$OUT/$name"
}
# body NAME SUBJECT FLAGS...: the subject target body for SUBJECT, compiled
# with FLAGS into $WORK/obj/NAME.o.
body() {
  local name=$1 subject=$2
  shift 2
  # shellcheck disable=SC2086
  $CXX $COMMON $CXXFLAGS $COV_ALL -DPTEDIFF_FUZZ_SUBJECT="\"$subject\"" "$@" \
    -c "$ROOT/fuzz/subject_fuzzer.cc" -o "$WORK/obj/$name.o"
}
for s in "${SUBJECTS[@]}"; do
  t=${s%%:*}_diff_fuzzer
  body "$t" "${s#*:}"
  link_objects "$t" "$WORK/obj/$t.o"
done
link_objects repro_parser_fuzzer "$(obj "$ROOT/fuzz/repro_parser_fuzzer.cc")"
# The kernel targets: O is the getter of the archive linked after the body.
for k in "${KERNEL_SUBJECTS[@]}"; do
  subject=${k%%:*} getter=${k#*:}
  t=${subject}_kernel_diff_fuzzer
  body "$t" "$subject" -DPTEDIFF_FUZZ_LINKED_BACKEND="${getter%%:*}" -DPTEDIFF_FUZZ_TARGET="\"$t\""
  link_objects "$t" "$WORK/obj/$t.o" "$WORK/kernel-$subject.a"
done
[ "$PTEDIFF_BINARIES_ONLY" = 1 ] && exit 0

for t in "${TARGETS[@]}"; do
  for ext in dict options; do
    if [ -f "$ROOT/fuzz/$t.$ext" ]; then cp "$ROOT/fuzz/$t.$ext" "$OUT/"; fi
  done
done
# Seed corpora: binary seeds encoded from corpus/*.repro by a small
# uninstrumented encoder; the parser gets the .repro texts themselves.
ENC_SOURCES=("$ROOT/mmu/folio.cc" "$ROOT/mmu/prot.cc" "$ROOT/formats/text.cc"
             "$ROOT/formats/header.cc" "$ROOT/formats/op_table.cc"
             "$ROOT/subjects/contpte/program.cc" "$ROOT/subjects/contpte/text.cc"
             "$ROOT/subjects/contpte/codec.cc" "$ROOT/subjects/contpte/config.cc"
             "$ROOT/fuzz/seed_encoder.cc")
mkdir -p "$WORK/enc" "$WORK/seeds"
# shellcheck disable=SC2086
$CXX $COMMON -O1 "${ENC_SOURCES[@]}" $STATIC_LIBS -o "$WORK/enc/seed_encoder"
"$WORK/enc/seed_encoder" "$WORK/seeds" "$ROOT"/corpus/*.repro
rm -f "$OUT/contpte_diff_fuzzer_seed_corpus.zip" "$OUT/repro_parser_fuzzer_seed_corpus.zip"
zip -q -j -X "$OUT/contpte_diff_fuzzer_seed_corpus.zip" "$WORK/seeds"/*.bin
zip -q -j -X "$OUT/repro_parser_fuzzer_seed_corpus.zip" "$ROOT"/corpus/*.repro
# A kernel target takes the dictionary, options and seeds of its subject's own target.
for t in "${TARGETS[@]}"; do
  case "$t" in
    *_kernel_diff_fuzzer)
      for f in .dict .options _seed_corpus.zip; do
        from=$OUT/${t%_kernel_diff_fuzzer}_diff_fuzzer$f
        if [ -f "$from" ]; then cp "$from" "$OUT/$t$f"; fi
      done
      ;;
  esac
done
echo "ptediff: fuzz targets in $OUT: ${TARGETS[*]}"
