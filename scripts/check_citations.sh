#!/bin/sh
# ptediff: every `docs/DESIGN.md §N[.M[.K]]` cited in the code, scripts and docs
# names a heading that exists in docs/DESIGN.md, and nothing cites documents
# outside the repository. Usage: check_citations.sh SOURCE_DIR
set -u
cd "$1" || exit 2
fails=0
files=$(git ls-files 2>/dev/null || find . -type f -not -path './build*')
for ref in $(grep -hoE 'DESIGN\.md.? §[0-9]+(\.[0-9]+)*' $files 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)*$' | sort -u); do
  if ! grep -qE "^#+ ${ref}\.? " docs/DESIGN.md; then
    echo "FAIL: docs/DESIGN.md §$ref is cited but has no heading:"
    grep -lE "DESIGN[.]md.? §${ref}([^.0-9]|\$)" $files | sed 's/^/  /'
    fails=$((fails + 1))
  fi
done
# Documents outside the repository are never cited.
if grep -nE '\.\./shared|seeds/0|seed 00[0-9]' $files | grep -v '^scripts/check_citations.sh'; then
  echo "FAIL: citations of documents outside the repository (above)"
  fails=$((fails + 1))
fi
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
