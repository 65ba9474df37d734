#!/bin/sh
# Checks that the Debian packages named on the command line are installed.
# As root, installs the missing ones with apt-get; otherwise prints the exact
# apt-get line and fails.
missing=""
for p in "$@"; do
  s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$s" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "ptediff: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing; } ||
    { echo "ptediff: apt-get failed to install:$missing" >&2; exit 1; }
  exit 0
fi
echo "ptediff: missing Debian packages:$missing" >&2
echo "ptediff: run as root:  apt-get install -y$missing" >&2
exit 1
