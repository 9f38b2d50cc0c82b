#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Write (or refresh) a mutant: replace the one occurrence of OLD in FILE by
# NEW, in a scratch copy, and save the diff with its header.
#
#   tests/mutation/new-mutant.sh tests/mutants/NN-name.diff lib/FILE.c \
#       'OLD TEXT' 'NEW TEXT' 'the bug it models' 'BINARY [FILTER]'...
#
# OLD must occur exactly once in FILE (a mutant must name its place
# without doubt), may span lines, and is matched byte for byte.  The diff
# keeps two lines of context, so that it applies after unrelated edits and
# fails loudly (patch --fuzz=0) after edits near the mutated line.
set -euo pipefail
[ $# -ge 5 ] || { sed -n '3,12p' "$0" >&2; exit 2; }
out=$1 file=$2 old=$3 new=$4 bug=$5
shift 5
cd "$(dirname "$0")/../.."
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
OLD=$old NEW=$new python3 - "$file" "$tmp" <<'PY'
import os, sys
src = open(sys.argv[1]).read()
old, new = os.environ["OLD"], os.environ["NEW"]
n = src.count(old)
if n != 1:
    sys.exit(f"{sys.argv[1]}: the text to mutate occurs {n} times, not once")
open(sys.argv[2], "w").write(src.replace(old, new))
PY
{
	echo "# bug: $bug"
	for t in "$@"; do echo "# tests: $t"; done
	diff -U2 --label "a/$file" --label "b/$file" "$file" "$tmp" || true
} >"$out"
echo "wrote $out"
