#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# check-series.sh SRCTREE SERIESDIR
#
# Verify a patch series against a pristine kernel tree without touching it:
# every patch must apply in order with "patch -p1" without offset or fuzz
# (checked on a scratch copy of the files the series touches), carry DEP-3
# headers and pass checkpatch.pl of that tree with no errors, warnings or
# checks: --strict for our own patches (Origin: vendor); for upstream
# commits without the checks on the commit log text that they keep
# verbatim, and they must name their upstream commit and end with the
# backporter's sign-off.
set -eu
BACKPORTER=${BACKPORTER:-dev@ptimerctl.invalid}

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
	# DEP-3: every patch says where it comes from
	if ! sed '/^$/q' "$p" | grep -q '^Origin: ' ||
	   ! sed '/^$/q' "$p" | grep -Eq '^(Forwarded|Applied-Upstream): '; then
		echo "FAIL dep3: ${p##*/} lacks Origin: or Forwarded:/Applied-Upstream:"
		status=1
	fi
	if sed '/^$/q' "$p" | grep -q '^Origin: vendor'; then
		# Our own patch: held to checkpatch --strict like a new posting
		opts=--strict
		what=strict
	else
		# An upstream commit keeps its text and tags verbatim, which
		# checkpatch judges as if it were new: "commit <sha> upstream."
		# is not its "commit <sha> ("title")" style, a tarball has no
		# git history to resolve IDs in, and mainline's 13-digit
		# Fixes:, its tag order and long log lines are what upstream merged. The code
		# must still pass checkpatch.
		opts="--ignore GIT_COMMIT_ID,UNKNOWN_COMMIT_ID,BAD_FIXES_TAG,COMMIT_LOG_LONG_LINE,BAD_REPORTED_BY_LINK"
		what=upstream
		sha=$(sed -n 's/^commit \([0-9a-f]\{40\}\) upstream\.$/\1/p' "$p")
		if [ -z "$sha" ] ||
		   ! tail -n +2 "$p" | sed -n '/^---$/q;p' | grep '^Signed-off-by:' |
			tail -n 1 | grep -q "$BACKPORTER"; then
			echo "FAIL provenance: ${p##*/} lacks the upstream line or" \
			     "the backporter's last Signed-off-by"
			status=1
		fi
	fi
	# shellcheck disable=SC2086 # opts is a list of options
	if res=$(cd "$src" && scripts/checkpatch.pl $opts "$p" 2>&1) &&
	   printf '%s\n' "$res" | grep -Eq 'total: 0 errors, 0 warnings(, 0 checks)?, '
	then
		echo "ok checkpatch ($what): ${p##*/}:" \
		     "$(printf '%s\n' "$res" | grep '^total:')"
	else
		printf '%s\n' "$res"
		echo "FAIL checkpatch: ${p##*/}"
		status=1
	fi
done
# Debian-only patches on top (no checkpatch: they are not for upstream)
for p in "$series"/debian/*.patch; do
	[ -e "$p" ] || continue
	if out=$(cd "$scratch" && patch -p1 --no-backup-if-mismatch < "$p" 2>&1) &&
	   ! printf '%s\n' "$out" | grep -Eqi 'offset|fuzz|hunk'; then
		echo "ok apply: debian/${p##*/}"
	else
		printf '%s\n' "$out"
		echo "FAIL apply: debian/${p##*/}"
		status=1
	fi
done
exit $status
