#!/bin/sh
# ptediff: fetches Debian's linux-source-VERSION (the Linux tree as one
# tarball) into a cache folder, for `ptediff kernel --tree` and the kernel
# gates of other trees than the installed one (kernel/tree_test.sh).
#
#   scripts/fetch-linux-source.sh VERSION DESTDIR [SUITE]
#
# Writes DESTDIR/linux-source-VERSION.tar.xz from the package of SUITE
# (default trixie-backports) of $PTEDIFF_DEBIAN_MIRROR (default
# http://deb.debian.org/debian). apt-get runs on a private state and cache
# under DESTDIR/apt: the system's apt sources, lists and packages are not
# touched, and it works as root or not. Exit status 0 when the tarball is
# there, fetched now or before; when the mirror or the package cannot be
# reached it prints one note and exits 0 as well (the tests that need the
# tree then report a skip); 2 on bad arguments.
set -u
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: fetch-linux-source.sh VERSION DESTDIR [SUITE]" >&2; exit 2; }
VERSION=$1
DEST=$2
SUITE=${3:-trixie-backports}
MIRROR=${PTEDIFF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=$DEST/linux-source-$VERSION.tar.xz
[ -f "$OUT" ] && exit 0

note() {
  echo "ptediff: linux-source-$VERSION not fetched ($*): its kernel tests will be skipped" >&2
  exit 0
}
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || note "no apt-get/dpkg-deb"
KEYRING=""
for k in /usr/share/keyrings/debian-archive-keyring.gpg \
  /usr/share/keyrings/debian-archive-keyring.pgp; do
  [ -f "$k" ] && KEYRING=$k && break
done
[ -n "$KEYRING" ] || note "no Debian archive keyring (apt-get install debian-archive-keyring)"

# apt-get takes absolute paths (others are read under its Dir).
mkdir -p "$DEST" && C=$(cd "$DEST" && pwd)/apt &&
  mkdir -p "$C/state/lists/partial" "$C/cache/archives/partial" ||
  { echo "cannot create $DEST/apt" >&2; exit 2; }
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" >"$C/sources.list"
set -- apt-get -q -o "Dir::Etc::SourceList=$C/sources.list" -o Dir::Etc::SourceParts=/dev/null \
  -o "Dir::State=$C/state" -o "Dir::Cache=$C/cache" -o Dir::State::status=/var/lib/dpkg/status
echo "ptediff: fetching linux-source-$VERSION from $MIRROR $SUITE into $DEST"
"$@" update >"$C/log" 2>&1 || note "apt-get update of $MIRROR $SUITE failed, see $C/log"
(cd "$C" && "$@" download "linux-source-$VERSION") >>"$C/log" 2>&1 ||
  note "apt-get download failed, see $C/log"
rm -rf "$C/x"
for deb in "$C"/linux-source-"$VERSION"_*.deb; do
  dpkg-deb -x "$deb" "$C/x" || note "dpkg-deb -x $deb failed"
done
mv -f "$C/x/usr/src/linux-source-$VERSION.tar.xz" "$OUT" || note "the package holds no linux-source-$VERSION.tar.xz"
rm -rf "$C/x" "$C"/linux-source-"$VERSION"_*.deb
echo "ptediff: $OUT"
