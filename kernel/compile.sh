#!/bin/sh
# ptediff kernel shim: compiles extracted kernel code against the shim into a
# backend, the one recipe for every build of one.
#
#   kernel/compile.sh SUBJECT SRCDIR OUT [--static] [--name NAME] [--mutant MUTANT]
#
# SUBJECT is contpte, hugetlb, callers or linear-map; SRCDIR holds what its
# extraction script wrote (kernel/extract.sh, kernel/hugetlb/extract.sh,
# kernel/callers/extract.sh, kernel/linearmap/extract.sh), or a mutant of it (kernel/mutate.sh). OUT is a
# shared library, the external backend `ptediff run --backend` loads (for
# callers, the library kc/callers_abi.h describes); with --static, a static
# archive of the same objects instead, to link into a program that calls the backend's getter
# itself (ptediff_backend_v1() for contpte, ptediff_backend_v2_get() for
# hugetlb; the kernel-code fuzz targets, fuzz/build_targets.sh).
#
#   contpte  contpte.c, shim/entry.c and shim/backend.c with SRCDIR and
#            kernel/include in front of kernel/common/include (v1 ABI,
#            include/ptediff/backend.h)
#   hugetlb  hugetlbpage.c and hugetlb/shim/entry.c once per granule
#            (KSHIM_PAGE_SHIFT 12, 14, 16; -include khs/rename.h keeps the
#            three copies apart) with hugetlb/include and SRCDIR in front,
#            then hugetlb/shim/backend.c (v2 ABI, include/ptediff/backend_v2.h)
#   callers  callers/shim/callers.c (the cut mm/ functions) and
#            callers/shim/bridge.c with SRCDIR and callers/include in front,
#            no machine.c (a callers library, kc/callers_abi.h: it calls the
#            arch API through the backend table it is given)
#   linear-map linearmap/shim/entry.c (one unit with the extracted
#            mmu_split.c, pageattr.c and pagewalk.c) with SRCDIR and
#            linearmap/include in front, then linearmap/shim/backend.c (v3
#            ABI, include/ptediff/backend_v3.h)
#   the others common/machine.c (the bridge to the ptediff machine) against
#            kernel/common/include alone
#
# The backend's name is NAME, by default linux-<SRCDIR/FULLVERSION>-SUBJECT,
# with -MUTANT appended when --mutant is given; a contpte backend also
# accepts the init option mutant=MUTANT (the mutant SRCDIR carries).
# Compiler: $CC (default clang-14) with $CFLAGS (default -O2 -g: a build's
# optimization, instrumentation and sanitizers) followed by the kernel's C
# dialect (-std=gnu11, no sign-compare warnings) and -fvisibility=hidden
# (only the getter is exported); a shared library is also -fPIC and linked
# with $LDFLAGS; the archive is made with $AR (default ar).
# Errors: one line on stderr (after the compiler's own), exit status 2.
set -u
KDIR=$(cd "$(dirname "$0")" && pwd)
. "$KDIR/common.sh"

USAGE="compile.sh SUBJECT SRCDIR OUT [--static] [--name NAME] [--mutant MUTANT]"
[ $# -ge 3 ] || fail "usage: $USAGE"
SUBJECT=$1
SRCDIR=$2
OUT=$3
shift 3
STATIC=0 NAME="" MUTANT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --static) STATIC=1 ;;
    --name | --mutant)
      [ $# -ge 2 ] && [ -n "$2" ] || fail "$1 needs a value (usage: $USAGE)"
      if [ "$1" = --name ]; then NAME=$2; else MUTANT=$2; fi
      shift
      ;;
    *) fail "unknown option '$1' (usage: $USAGE)" ;;
  esac
  shift
done

case "$SUBJECT" in
  contpte) FILES="contpte.c contpte_wrappers.h kshim_caps.h" ;;
  hugetlb) FILES="hugetlbpage.c flush_hugetlb_tlb_range.h huge_pte_lockptr.h kshim_caps.h" ;;
  callers) FILES="internal_cut.h util_cut.h memory_cut.h callers_caps.h kshim_caps.h" ;;
  linear-map) FILES="mmu_split.c pageattr.c pagewalk.c kshim_caps.h" ;;
  *) fail "unknown subject '$SUBJECT' (contpte, hugetlb, callers or linear-map)" ;;
esac
for f in $FILES FULLVERSION; do
  [ -f "$SRCDIR/$f" ] ||
    fail "$SRCDIR: no $f, not extracted $SUBJECT code (run the subject's extract.sh first)"
done
[ -n "$NAME" ] || NAME="linux-$(cat "$SRCDIR/FULLVERSION")-$SUBJECT${MUTANT:+-$MUTANT}"

: "${CC:=clang-14}" "${CFLAGS=-O2 -g}" "${LDFLAGS=}" "${AR:=ar}"
DIALECT="-std=gnu11 -fvisibility=hidden -Wno-sign-compare"
[ "$STATIC" = 1 ] || DIALECT="$DIALECT -fPIC"
ROOT=$(dirname "$KDIR")
COMMON="-I$KDIR/common/include -I$ROOT/include"
OBJ=$(mktemp -d) || fail "cannot create a temporary folder"
trap 'rm -rf "$OBJ"' EXIT
OBJECTS=""

# compile_one OBJECT SOURCE FLAGS...: compiles SOURCE into $OBJ/OBJECT.
compile_one() {
  o=$OBJ/$1
  s=$2
  shift 2
  # shellcheck disable=SC2086
  $CC $CFLAGS $DIALECT "$@" $COMMON -c "$s" -o "$o" ||
    fail "compiling $s for $NAME failed"
  OBJECTS="$OBJECTS $o"
}

[ "$SUBJECT" = callers ] || compile_one machine.o "$KDIR/common/machine.c"
if [ "$SUBJECT" = callers ]; then
  for s in "$KDIR/callers/shim/callers.c" "$KDIR/callers/shim/bridge.c"; do
    compile_one "$(basename "$s" .c).o" "$s" "-I$SRCDIR" "-I$KDIR/callers/include" \
      "-DKC_NAME=\"$NAME\"" -Werror=implicit-function-declaration
  done
elif [ "$SUBJECT" = linear-map ]; then
  L=$KDIR/linearmap
  compile_one entry.o "$L/shim/entry.c" "-I$SRCDIR" "-I$L/include"
  compile_one backend.o "$L/shim/backend.c" "-I$L/include" "-DKLM_NAME=\"$NAME\""
elif [ "$SUBJECT" = contpte ]; then
  for s in "$SRCDIR/contpte.c" "$KDIR/shim/entry.c" "$KDIR/shim/backend.c"; do
    o=$(basename "$s" .c).o
    compile_one "$o" "$s" "-I$SRCDIR" "-I$KDIR/include" "-DKSHIM_NAME=\"$NAME\"" \
      "-DKSHIM_MUTANT=\"${MUTANT:-none}\""
  done
else
  H=$KDIR/hugetlb
  for page_shift in 12 14 16; do
    for s in "$SRCDIR/hugetlbpage.c" "$H/shim/entry.c"; do
      compile_one "$(basename "$s" .c)-$page_shift.o" "$s" "-I$H/include" "-I$SRCDIR" \
        "-DKSHIM_PAGE_SHIFT=$page_shift" -include "$H/include/khs/rename.h"
    done
  done
  compile_one backend.o "$H/shim/backend.c" "-I$H/include" "-DKHS_NAME=\"$NAME\""
fi

mkdir -p "$(dirname "$OUT")" || fail "cannot create the folder of $OUT"
if [ "$STATIC" = 1 ]; then
  rm -f "$OUT"
  # shellcheck disable=SC2086
  $AR rcs "$OUT" $OBJECTS || fail "cannot write $OUT"
else
  # shellcheck disable=SC2086
  $CC $CFLAGS $DIALECT -shared $OBJECTS $LDFLAGS -o "$OUT" || fail "linking $OUT failed"
fi
