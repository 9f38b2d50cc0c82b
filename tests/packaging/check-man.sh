#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Lint every manual page given on the command line: mandoc -Tlint at style
# level must print nothing.  Also check each page's section matches its file
# name, and that ptimerctl(1) documents every exit code in cmd/exit_codes.h.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
fails=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

if ! command -v mandoc >/dev/null; then
	echo "FAIL mandoc is not installed (apt-get install mandoc)"
	exit 1
fi
if (( $# == 0 )); then
	echo "FAIL no manual pages given"
	exit 1
fi

for page in "$@"; do
	# A page that only sources another (man3/ptimer_*.3 -> libptimer.3):
	# mandoc cannot follow it from the source tree, so check the target.
	so=$(sed -n 's/^\.so //p' "$page")
	if [[ -n $so ]]; then
		if [[ -f $SRC/man/$(basename "$so") ]]; then
			ok ".so $page -> $so"
		else
			fail ".so $page -> $so: no such page in man/"
		fi
		continue
	fi
	# Style level too.  Whether a cross-reference resolves depends on the
	# man database of this machine, not on the page: those messages are
	# left out, and references to our own pages are checked below.
	out=$(mandoc -Tlint -W style "$page" 2>&1 |
		grep -v -e 'outdated mandoc.db' -e 'referenced manual not found') || true
	if [[ -z $out ]]; then
		ok "mandoc lint -W style $page"
	else
		fail "mandoc lint -W style $page"
		printf '%s\n' "$out" | sed 's/^/     /'
	fi
	# .Xr/.BR references to ptimerctl's own pages name pages that exist
	missing=
	for ref in $(mandoc -Tascii "$page" 2>/dev/null | sed 's/.\x08//g' |
		grep -oE '\b(ptimerctl(-dump)?|libptimer|ptimer_[a-z0-9_]+)\([1-8]\)' |
		sed -E 's/\(([1-8])\)/.\1/' | sort -u); do
		[[ -f $SRC/man/$ref ]] || missing+=" $ref"
	done
	[[ -z $missing ]] && ok "own references resolve in $page" ||
		fail "$page refers to pages man/ lacks:$missing"
	# The page's date: a real one, not before the project began, not in
	# the future; an mdoc page names its source in .Os.
	date=$(awk '$1 == ".TH" { print $4; exit } $1 == ".Dd" { $1 = ""; print; exit }' "$page")
	if epoch=$(date -d "$date" +%s 2>/dev/null) &&
	   (( epoch >= $(date -d 2026-01-01 +%s) && epoch <= $(date +%s) )); then
		ok "date '$date' of $page"
	else
		fail "date of $page: '$date' is not a date in 2026 up to today"
	fi
	if grep -q '^\.Dd' "$page"; then
		if grep -Eq '^\.Os [^ ]' "$page"; then
			ok ".Os of $page names its source"
		else
			fail ".Os of $page is empty"
		fi
	fi
	# .TH NAME SECTION or .Dt NAME SECTION must agree with the file name
	base=$(basename "$page")
	want_sec=${base##*.}
	got_sec=$(awk '$1 == ".TH" || $1 == ".Dt" { print $3; exit }' "$page")
	if [[ $got_sec == "$want_sec" ]]; then
		ok "section $want_sec in $page"
	else
		fail "section in $page: file says $want_sec, page says '$got_sec'"
	fi
	# it renders to something
	# (no "| grep -q": with pipefail, mandoc's SIGPIPE would fail it)
	rendered=$(mandoc -Tutf8 "$page" 2>/dev/null || true)
	if [[ -n $rendered ]]; then
		ok "renders $page"
	else
		fail "renders $page"
	fi
done

# Every exit code the program can return is documented.
man1=$SRC/man/ptimerctl.1
codes=$SRC/cmd/exit_codes.h
if [[ -f $man1 && -f $codes ]]; then
	# plain text: drop the overstrike (bold "X\bX", underline "_\bX")
	text=$(mandoc -Tascii "$man1" 2>/dev/null | sed 's/.\x08//g')
	section=$(printf '%s\n' "$text" | sed -n '/^EXIT STATUS/,/^[A-Z]/p')
	missing=
	for n in $(sed -n 's/^[[:space:]]*EXIT_[A-Z_]*[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$codes"); do
		grep -Eq "^[[:space:]]+$n([[:space:]]|$)" <<< "$section" || missing+=" $n"
	done
	if [[ -z $missing ]]; then
		ok "EXIT STATUS lists every code in cmd/exit_codes.h"
	else
		fail "EXIT STATUS misses exit code(s):$missing"
	fi
	# every subcommand has an entry
	for sub in dump show check restore migrate; do
		if grep -Eq "^[[:space:]]+$sub( |$)" <<< "$text"; then
			ok "ptimerctl(1) documents $sub"
		else
			fail "ptimerctl(1) documents $sub"
		fi
	done
fi

# ptimerctl-dump(5) lists as written only clock names a dump can hold: the
# kernel records CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID timers
# under their CPU clock IDs.
man5=$SRC/man/ptimerctl-dump.5
if [[ -f $man5 ]]; then
	written=$(sed -n '/^\.It Sy clock No/,/^When present/p' "$man5")
	if grep -Eq 'Ql (process|thread)_cputime' <<< "$written"; then
		fail "ptimerctl-dump(5) lists process_cputime/thread_cputime among the names written"
	else
		ok "ptimerctl-dump(5) lists only clock names a dump holds"
	fi
fi
# ptimerctl(1) says which signal numbering it uses (glibc's SIGRTMIN differs).
if sed -n '/^\.SS Signal numbers/,/^\.S[SH]/p' "$SRC/man/ptimerctl.1" |
	grep -q 'is the kernel.s 34'; then
	ok "ptimerctl(1) explains the kernel's signal numbering"
else
	fail "ptimerctl(1) does not explain the kernel's signal numbering"
fi

# ptimerctl(1)'s list of the injected system calls, which an allowlist
# filter under --keep-seccomp must allow, names every call the library
# injects (lib/: KNR_* and ARCH_NR_*).
injected=$(cat "$SRC"/lib/*.c | grep -ohE '\b(KNR|ARCH_NR)_[A-Z0-9_]+\b' |
	grep -v '^KNR_COUNT$' | sed 's/^KNR_//; s/^ARCH_NR_//' | tr 'A-Z' 'a-z' | sort -u)
listed=$(sed -n '/^\.SS The system calls it injects/,/^\.S[SH]/p' "$SRC/man/ptimerctl.1" |
	sed -n 's/^\.BR \([a-z0-9_]*\) (2).*/\1/p' | sort -u)
unlisted=$(comm -23 <(printf '%s\n' "$injected") <(printf '%s\n' "$listed") | xargs)
if [[ -n $injected && -z $unlisted ]]; then
	ok "ptimerctl(1) lists every system call the library injects"
else
	fail "ptimerctl(1)'s \"The system calls it injects\" lacks: ${unlisted:-(none found in lib/)}"
fi

# libptimer(3) and the header agree: every public function of
# include/ptimer.h is in the SYNOPSIS and has a page of its own (so that
# `man ptimer_dump_pid` works), and the SYNOPSIS names no other function.
man3=$SRC/man/libptimer.3
header=$SRC/include/ptimer.h
if [[ -f $man3 && -f $header ]]; then
	in_header=$(grep -v '^[[:space:]]*\*\|^/\*\|^typedef\|^[[:space:]]' "$header" |
		sed -n 's/^[^(]*[ *]\(ptimer_[a-z0-9_]*\)(.*/\1/p' | sort -u)
	in_synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$man3" |
		grep -o 'ptimer_[a-z0-9_]*(' | tr -d '(' | sort -u)
	missing=$(comm -23 <(printf '%s\n' "$in_header") <(printf '%s\n' "$in_synopsis") | xargs)
	extra=$(comm -13 <(printf '%s\n' "$in_header") <(printf '%s\n' "$in_synopsis") | xargs)
	[[ -z $missing ]] && ok "libptimer(3) SYNOPSIS has every function of ptimer.h" ||
		fail "libptimer(3) SYNOPSIS lacks: $missing"
	[[ -z $extra ]] && ok "libptimer(3) SYNOPSIS has no function ptimer.h lacks" ||
		fail "libptimer(3) SYNOPSIS has functions ptimer.h lacks: $extra"
	nopage=
	for f in $in_header; do
		[[ -f $SRC/man/$f.3 ]] || nopage+=" $f"
	done
	[[ -z $nopage ]] && ok "every public function has its man3 page" ||
		fail "no man/NAME.3 for:$nopage"
fi

if (( fails )); then
	echo "check-man: $fails failure(s)"
	exit 1
fi
echo "check-man: all passed"
