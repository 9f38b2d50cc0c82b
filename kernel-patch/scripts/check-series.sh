#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# check-series.sh SRCTREE SERIESDIR
#
# Verify a patch series against a pristine kernel tree without touching it:
# every patch must apply in order with "patch -p1" without offset or fuzz
# (checked on a scratch copy of the files the series touches) and pass
# checkpatch.pl --strict of that tree with no errors, warnings or checks.
set -eu

src=$(cd "$1" && pwd)
series=$(cd "$2" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

status=0
files=$(sed -n 's|^+++ b/||p' "$series"/*.patch | sort -u)
for f in $files; do
	[ -e "$src/$f" ] || continue
	mkdir -p "$scratch/${f%/*}"
	cp "$src/$f" "$scratch/$f"
done
for p in "$series"/*.patch; do
	out=$(cd "$scratch" && patch -p1 --no-backup-if-mismatch < "$p" 2>&1) || {
		printf '%s\n' "$out"
		echo "FAIL apply: ${p##*/}"
		status=1
		continue
	}
	if printf '%s\n' "$out" | grep -Eqi 'offset|fuzz|hunk'; then
		printf '%s\n' "$out"
		echo "FAIL not clean: ${p##*/}"
		status=1
	else
		echo "ok apply: ${p##*/}"
	fi
	if res=$(cd "$src" && scripts/checkpatch.pl --strict "$p" 2>&1) &&
	   printf '%s\n' "$res" | grep -q 'total: 0 errors, 0 warnings, 0 checks'
	then
		echo "ok checkpatch: ${p##*/}:" \
		     "$(printf '%s\n' "$res" | grep '^total:')"
	else
		printf '%s\n' "$res"
		echo "FAIL checkpatch: ${p##*/}"
		status=1
	fi
done
exit $status
