# ptediff kernel shim: what extract.sh and mutate.sh share (sourced).
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
# The files extract.sh writes and mutate.sh copies.
KSHIM_FILES="contpte.c contpte_wrappers.h VERSION FULLVERSION"
