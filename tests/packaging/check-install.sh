#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Install into a scratch DESTDIR, check exactly what landed, build a program
# against the installed header and library through pkg-config (shared and
# static), run both, then uninstall and check nothing is left.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAKE=${MAKE:-make}
VERSION=${VERSION:-$(cat "$SRC/VERSION")}
CC=${CC:-cc}

fails=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
prefix=/usr
libdir=/usr/lib64

# Flags of the make that called us would leak into these installs.
unset MAKEFLAGS MFLAGS MAKELEVEL

if ! $MAKE -s -C "$SRC" install DESTDIR="$dest" PREFIX="$prefix" LIBDIR="$libdir" \
	> "$tmp/install.log" 2>&1; then
	fail "make install"
	sed 's/^/     /' "$tmp/install.log"
	exit 1
fi
ok "make install DESTDIR=... PREFIX=$prefix LIBDIR=$libdir"

# The expected list is written out here on purpose, not taken from the
# makefile: a file dropped from (or added to) the install list must show up.
expected=(
	"usr/bin/ptimerctl 755 f"
	"usr/include/ptimer.h 644 f"
	"usr/lib64/libptimer.a 644 f"
	"usr/lib64/libptimer.so.$VERSION 755 f"
	"usr/lib64/libptimer.so.1 - l libptimer.so.$VERSION"
	"usr/lib64/libptimer.so - l libptimer.so.1"
	"usr/lib64/pkgconfig/libptimer.pc 644 f"
	"usr/share/bash-completion/completions/ptimerctl 644 f"
	"usr/share/man/man1/ptimerctl.1 644 f"
	"usr/share/man/man3/libptimer.3 644 f"
)
[[ -f $SRC/man/ptimerctl-dump.5 ]] && expected+=("usr/share/man/man5/ptimerctl-dump.5 644 f")
[[ -f $SRC/README.md ]] && expected+=("usr/share/doc/ptimerctl/README.md 644 f")
# man ptimer_FUNCTION: a page for every function the library exports.
for f in $(sed -n 's/^[[:space:]]*\(ptimer_[a-z0-9_]*\);$/\1/p' "$SRC/lib/libptimer.sym"); do
	expected+=("usr/share/man/man3/$f.3 644 f")
done

for e in "${expected[@]}"; do
	read -r path mode kind target <<< "$e"
	p=$dest/$path
	if [[ $kind == l ]]; then
		if [[ -L $p && $(readlink "$p") == "$target" ]]; then
			ok "symlink /$path -> $target"
		else
			fail "symlink /$path -> $target (got: $(readlink "$p" 2>/dev/null || echo missing))"
		fi
		continue
	fi
	if [[ -f $p && ! -L $p ]]; then
		got=$(stat -c %a "$p")
		if [[ $got == "$mode" ]]; then
			ok "/$path mode $mode"
		else
			fail "/$path mode $got, want $mode"
		fi
	else
		fail "/$path missing"
	fi
done

# Nothing else was installed.
(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) > "$tmp/got"
printf '%s\n' "${expected[@]}" | awk '{print $1}' | sort > "$tmp/want"
if diff -u "$tmp/want" "$tmp/got" > "$tmp/diff"; then
	ok "installed file list is exactly the expected one"
else
	fail "installed file list differs"
	sed 's/^/     /' "$tmp/diff"
fi

# The installed files are the built ones, and the header is self-contained.
cmp -s "$SRC/include/ptimer.h" "$dest/usr/include/ptimer.h" && ok "header is include/ptimer.h" \
	|| fail "header is include/ptimer.h"
cmp -s "$SRC/completion/ptimerctl.bash" "$dest/usr/share/bash-completion/completions/ptimerctl" \
	&& ok "completion is completion/ptimerctl.bash" || fail "completion is completion/ptimerctl.bash"
if printf '#include <ptimer.h>\n' | $CC -std=c99 -Wall -Werror -fsyntax-only \
	-I"$dest/usr/include" -x c - 2>"$tmp/hdr.log"; then
	ok "ptimer.h compiles on its own (C99)"
else
	fail "ptimer.h compiles on its own (C99)"; sed 's/^/     /' "$tmp/hdr.log"
fi
if ! command -v c++ >/dev/null; then
	echo "skip ptimer.h compiles as C++: no C++ compiler"
elif printf '#include <ptimer.h>\nint main(void){return 0;}\n' | c++ -Wall -Werror \
	-I"$dest/usr/include" -x c++ -fsyntax-only - 2>"$tmp/hdrxx.log"; then
	ok "ptimer.h compiles as C++"
else
	fail "ptimer.h compiles as C++"; sed 's/^/     /' "$tmp/hdrxx.log"
fi

so=$dest$libdir/libptimer.so.$VERSION
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == libptimer.so.1 ]] && ok "SONAME libptimer.so.1" || fail "SONAME is '$soname'"
bad=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBRVW]/ && $3 !~ /^ptimer_/ {print $3}' | tr '\n' ' ')
[[ -z $bad ]] && ok "shared library exports only ptimer_*" || fail "exports beyond ptimer_*: $bad"

# pkg-config, as a consumer sees it
pc=$dest$libdir/pkgconfig/libptimer.pc
grep -q "^Version: $VERSION\$" "$pc" && ok "libptimer.pc Version $VERSION" || fail "libptimer.pc Version"
grep -q '^Requires.private:.*json-c' "$pc" && ok "libptimer.pc Requires.private json-c" \
	|| fail "libptimer.pc Requires.private json-c"
grep -q '@' "$pc" && fail "libptimer.pc has unsubstituted @...@" || ok "libptimer.pc fully substituted"
export PKG_CONFIG_PATH=$dest$libdir/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$dest
# Show /usr/include and /usr/lib64 too, which pkg-config hides as system dirs.
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
if pkg-config --exists --print-errors libptimer 2>"$tmp/pc.log"; then
	ok "pkg-config finds libptimer"
else
	fail "pkg-config finds libptimer"; sed 's/^/     /' "$tmp/pc.log"
fi
[[ $(pkg-config --modversion libptimer) == "$VERSION" ]] && ok "pkg-config --modversion" \
	|| fail "pkg-config --modversion: $(pkg-config --modversion libptimer)"
cflags=$(pkg-config --cflags libptimer)
libs=$(pkg-config --libs libptimer)
slibs=$(pkg-config --static --libs libptimer)
[[ $cflags == *"-I$dest/usr/include"* ]] && ok "cflags point into DESTDIR" || fail "cflags: $cflags"
[[ $libs == *"-L$dest$libdir"* && $libs == *-lptimer* ]] && ok "libs point into DESTDIR" \
	|| fail "libs: $libs"
[[ $libs != *-ljson-c* ]] && ok "json-c stays private for shared linking" || fail "libs: $libs"
[[ $slibs == *-ljson-c* ]] && ok "--static adds json-c" || fail "static libs: $slibs"

# shared
# shellcheck disable=SC2086
if $CC -Wall -Werror -o "$tmp/smoke-shared" "$SRC/tests/packaging/smoke.c" $cflags $libs \
	2>"$tmp/cc.log"; then
	ok "smoke program links against the shared library"
	if readelf -d "$tmp/smoke-shared" | grep -q 'NEEDED.*\[libptimer.so.1\]'; then
		ok "smoke program needs libptimer.so.1"
	else
		fail "smoke program needs libptimer.so.1"
	fi
	if out=$(LD_LIBRARY_PATH=$dest$libdir "$tmp/smoke-shared" 2>&1) && [[ $out == "smoke: ok" ]]; then
		ok "smoke program runs (shared)"
	else
		fail "smoke program runs (shared)"; printf '%s\n' "$out" | sed 's/^/     /'
	fi
	# and it really used the installed copy
	if LD_LIBRARY_PATH=$dest$libdir LD_TRACE_LOADED_OBJECTS=1 "$tmp/smoke-shared" \
		| grep -q "=> $dest$libdir/libptimer.so.1"; then
		ok "smoke program loads the installed libptimer.so.1"
	else
		fail "smoke program loads the installed libptimer.so.1"
	fi
else
	fail "smoke program links against the shared library"; sed 's/^/     /' "$tmp/cc.log"
fi

# static: libptimer.a by name, the rest (json-c) from --static
# shellcheck disable=SC2086
if $CC -Wall -Werror -o "$tmp/smoke-static" "$SRC/tests/packaging/smoke.c" $cflags \
	${slibs//-lptimer/-l:libptimer.a} 2>"$tmp/cc.log"; then
	ok "smoke program links against libptimer.a"
	if readelf -d "$tmp/smoke-static" | grep -q 'libptimer'; then
		fail "static smoke program has no libptimer dependency"
	else
		ok "static smoke program has no libptimer dependency"
	fi
	if out=$(env -u LD_LIBRARY_PATH "$tmp/smoke-static" 2>&1) && [[ $out == "smoke: ok" ]]; then
		ok "smoke program runs (static)"
	else
		fail "smoke program runs (static)"; printf '%s\n' "$out" | sed 's/^/     /'
	fi
else
	fail "smoke program links against libptimer.a"; sed 's/^/     /' "$tmp/cc.log"
fi

# The README's example programs, built as a user would (pkg-config only),
# dump a real process's timer and restore it into another.
examples_ok=1
for ex in dump restore; do
	# shellcheck disable=SC2086
	if ! $CC -Wall -Wextra -Werror -o "$tmp/ex-$ex" "$SRC/examples/$ex.c" $cflags $libs \
		2>"$tmp/cc.log"; then
		fail "examples/$ex.c builds through pkg-config"; sed 's/^/     /' "$tmp/cc.log"
		examples_ok=0
	fi
done
victim=${BUILD:-$SRC/build}/tests/helpers/victim
if (( examples_ok )) && [[ -x $victim ]]; then
	ok "examples/dump.c and examples/restore.c build through pkg-config"
	# Each victim reads commands on a FIFO we hold open, and says READY.
	start_victim() {	# NAME ARGS...
		local name=$1; shift
		mkfifo "$tmp/$name.in"
		"$victim" "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>/dev/null &
	}
	wait_ready() {		# NAME: READY within 10 s
		for _ in $(seq 100); do
			grep -q '^READY' "$tmp/$1.out" 2>/dev/null && return 0
			sleep 0.1
		done
		return 1
	}
	start_victim vsrc --timer clock=monotonic,notify=none,value_ms=600000
	src_pid=$!
	exec {srcv_in}>"$tmp/vsrc.in"
	start_victim vdst
	dst_pid=$!
	exec {dstv_in}>"$tmp/vdst.in"
	line=; line2=
	wait_ready vsrc && line=READY
	wait_ready vdst && line2=READY
	if [[ $line == READY* && $line2 == READY* ]]; then
		if LD_LIBRARY_PATH=$dest$libdir "$tmp/ex-dump" "$src_pid" >"$tmp/ex.json" \
			2>"$tmp/ex.log" && grep -q '"id"' "$tmp/ex.json"; then
			ok "examples/dump.c dumps a timer"
		else
			fail "examples/dump.c dumps a timer"; sed 's/^/     /' "$tmp/ex.log"
		fi
		if LD_LIBRARY_PATH=$dest$libdir "$tmp/ex-restore" "$dst_pid" <"$tmp/ex.json" \
			2>"$tmp/ex.log" && grep -qx "ID: $(jq -r '.timers[0].id' "$tmp/ex.json")" \
			"/proc/$dst_pid/timers"; then
			ok "examples/restore.c restores it with its ID"
		else
			fail "examples/restore.c restores it with its ID"; sed 's/^/     /' "$tmp/ex.log"
		fi
	else
		fail "victims for the examples started"
	fi
	kill -KILL "$src_pid" "$dst_pid" 2>/dev/null || true
	wait "$src_pid" "$dst_pid" 2>/dev/null || true
	exec {srcv_in}>&- {dstv_in}>&-
elif (( examples_ok )); then
	ok "examples build (no $victim to run them on: make all first)"
fi

# The installed binary runs and knows its version.
if out=$(LD_LIBRARY_PATH=$dest$libdir "$dest/usr/bin/ptimerctl" --version 2>&1) \
	&& [[ $out == *"$VERSION"* ]]; then
	ok "installed ptimerctl --version mentions $VERSION"
else
	fail "installed ptimerctl --version: $out"
fi
if bash --norc --noprofile -c \
	"source '$dest/usr/share/bash-completion/completions/ptimerctl' && complete -p ptimerctl" >/dev/null 2>&1; then
	ok "installed completion loads"
else
	fail "installed completion loads"
fi

# Installing twice is harmless (symlinks replaced, not nested).
if $MAKE -s -C "$SRC" install DESTDIR="$dest" PREFIX="$prefix" LIBDIR="$libdir" >/dev/null 2>&1 \
	&& [[ ! -e $dest$libdir/libptimer.so.1/libptimer.so.$VERSION ]] \
	&& [[ $(cd "$dest" && find . \( -type f -o -type l \) | wc -l) == "${#expected[@]}" ]]; then
	ok "second make install changes nothing"
else
	fail "second make install changes nothing"
fi

# uninstall leaves no file behind
if $MAKE -s -C "$SRC" uninstall DESTDIR="$dest" PREFIX="$prefix" LIBDIR="$libdir" \
	> "$tmp/uninstall.log" 2>&1; then
	ok "make uninstall"
else
	fail "make uninstall"; sed 's/^/     /' "$tmp/uninstall.log"
fi
left=$(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\./|/|')
if [[ -z $left ]]; then
	ok "nothing left after uninstall"
else
	fail "left after uninstall: $(echo $left)"
fi

# the default layout works as well (PREFIX=/usr/local, LIBDIR=$PREFIX/lib)
rm -rf "$dest"
if $MAKE -s -C "$SRC" install DESTDIR="$dest" > /dev/null 2>&1 \
	&& [[ -x $dest/usr/local/bin/ptimerctl && -f $dest/usr/local/lib/pkgconfig/libptimer.pc ]] \
	&& grep -qx 'prefix=/usr/local' "$dest/usr/local/lib/pkgconfig/libptimer.pc" \
	&& grep -qx 'libdir=${prefix}/lib' "$dest/usr/local/lib/pkgconfig/libptimer.pc" \
	&& $MAKE -s -C "$SRC" uninstall DESTDIR="$dest" > /dev/null 2>&1 \
	&& [[ -z $(find "$dest" \( -type f -o -type l \)) ]]; then
	ok "default PREFIX=/usr/local install and uninstall"
else
	fail "default PREFIX=/usr/local install and uninstall"
fi

if (( fails )); then
	echo "check-install: $fails failure(s)"
	exit 1
fi
echo "check-install: all passed"
