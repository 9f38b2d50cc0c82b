#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# -Werror only when asked for (WERROR=1, as .ci/run does), never by
# default, so that a newer compiler's new warning cannot break a
# distribution's build; and the package builds never ask for it.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAKE=${MAKE:-make}
fails=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

unset MAKEFLAGS MFLAGS MAKELEVEL WERROR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The compile command make would run for one object, in a scratch BUILD.
compile() { $MAKE -s -n -B -C "$SRC" BUILD="$tmp/b" "$@" "$tmp/b/cmd/main.o" | grep -- ' -c '; }

if compile | grep -q -- '-Werror\b'; then
	fail "a default build compiles with -Werror: $(compile)"
else
	ok "a default build does not use -Werror"
fi
if compile WERROR=1 | grep -q -- '-Werror\b'; then
	ok "WERROR=1 compiles with -Werror"
else
	fail "WERROR=1 does not add -Werror"
fi
if WERROR=1 compile | grep -q -- '-Werror\b'; then
	ok "WERROR=1 from the environment too"
else
	fail "WERROR=1 in the environment does not add -Werror"
fi
if grep -Eq '^export WERROR=1$' "$SRC/.ci/run"; then
	ok ".ci/run builds with WERROR=1"
else
	fail ".ci/run does not set WERROR=1"
fi
# The packages are distribution builds.
if grep -q 'WERROR' "$SRC/ptimerctl.spec"; then
	fail "ptimerctl.spec sets WERROR"
else
	ok "ptimerctl.spec leaves WERROR alone"
fi
if grep -q -- '-u WERROR' "$SRC/mk/install.mk" && grep -q -- '-u WERROR' "$SRC/mk/deb.sh"; then
	ok "make rpm and make deb drop a WERROR of the caller"
else
	fail "make rpm or make deb would pass on the caller's WERROR"
fi

if (( fails )); then
	echo "check-werror: $fails failure(s)"
	exit 1
fi
echo "check-werror: all passed"
