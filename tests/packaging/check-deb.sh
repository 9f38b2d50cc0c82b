#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Build the .debs with `make deb` (mk/deb.sh: the install tree split with
# dpkg-deb) and check what is inside each with the test the RPMs get
# (contents.sh), then their metadata, and that the command runs.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAKE=${MAKE:-make}
VERSION=${VERSION:-$(cat "$SRC/VERSION")}
BUILD=${BUILD:-$SRC/build}
DEB_DIR=${DEB_DIR:-$BUILD/deb}

fails=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for tool in dpkg-deb dpkg-shlibdeps; do
	command -v $tool >/dev/null || { echo "FAIL $tool is not installed (dpkg-dev)"; exit 1; }
done

unset MAKEFLAGS MFLAGS MAKELEVEL
log=$BUILD/deb.log
mkdir -p "$BUILD"
if $MAKE -C "$SRC" deb > "$log" 2>&1; then
	ok "make deb"
else
	fail "make deb (last lines of $log follow)"
	tail -n 40 "$log" | sed 's/^/     /'
	exit 1
fi

debver=${VERSION//-/\~}-1
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$ma
cmd=$DEB_DIR/ptimerctl_${debver}_$arch.deb
libs=$DEB_DIR/libptimer1_${debver}_$arch.deb
dev=$DEB_DIR/libptimer-dev_${debver}_$arch.deb
for v in cmd libs dev; do
	[[ -f ${!v} ]] && ok "built $(basename "${!v}")" || { fail "no ${!v}"; exit 1; }
done

# Files and links, as absolute paths: what rpm -qlp lists, less directories.
list() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort; }
for v in cmd libs dev; do
	list "${!v}" > "$BUILD/deb-$v.list"
done

# shellcheck source=tests/packaging/contents.sh
. "$SRC/tests/packaging/contents.sh"
bcdir=/usr/share/bash-completion/completions
check_role cmd "$BUILD/deb-cmd.list" "$libdir" /usr/share/man "$bcdir"
check_role libs "$BUILD/deb-libs.list" "$libdir" /usr/share/man "$bcdir"
# Debian ships the static library in -dev.
check_role devel "$BUILD/deb-dev.list" "$libdir" /usr/share/man "$bcdir"
check_role static "$BUILD/deb-dev.list" "$libdir" /usr/share/man "$bcdir"
for v in cmd libs dev; do
	p=$(dpkg-deb -f "${!v}" Package)
	grep -qx "/usr/share/doc/$p/copyright" "$BUILD/deb-$v.list" && ok "$p: copyright" ||
		fail "$p: no /usr/share/doc/$p/copyright"
done

# metadata
field() { dpkg-deb -f "$1" "$2"; }
for v in cmd libs dev; do
	[[ $(field "${!v}" Version) == "$debver" ]] && ok "$(basename "${!v}"): Version $debver" ||
		fail "$(basename "${!v}"): Version $(field "${!v}" Version)"
	[[ $(field "${!v}" Architecture) == "$arch" ]] && ok "$(basename "${!v}"): Architecture $arch" ||
		fail "$(basename "${!v}"): Architecture $(field "${!v}" Architecture)"
done
dep=$(field "$cmd" Depends)
[[ $dep == *libc6* && $dep == *libjson-c* && $dep == *libcap2* ]] &&
	ok "ptimerctl Depends: $dep" || fail "ptimerctl Depends: '$dep'"
[[ $dep != *libptimer* ]] && ok "ptimerctl does not depend on libptimer1 (linked statically)" ||
	fail "ptimerctl depends on libptimer1"
[[ $(field "$dev" Depends) == *"libptimer1 (= $debver)"* ]] &&
	ok "libptimer-dev depends on the same libptimer1" || fail "libptimer-dev Depends: $(field "$dev" Depends)"
ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
dpkg-deb -e "$libs" "$ctl/libs"
grep -qx "libptimer 1 libptimer1 (>= ${VERSION//-/\~})" "$ctl/libs/shlibs" 2>/dev/null &&
	ok "libptimer1: shlibs" || fail "libptimer1: shlibs"
grep -qx "activate-noawait ldconfig" "$ctl/libs/triggers" 2>/dev/null &&
	ok "libptimer1: ldconfig trigger" || fail "libptimer1: ldconfig trigger"
# every regular file has its md5sum
for v in cmd libs dev; do
	dpkg-deb -e "${!v}" "$ctl/$v" 2>/dev/null || true
	want=$(dpkg-deb -c "${!v}" | awk '$1 ~ /^-/ { sub(/^\.\//, "", $6); print $6 }' | sort)
	got=$(awk '{ print $2 }' "$ctl/$v/md5sums" | sort)
	[[ $want == "$got" ]] && ok "$(basename "${!v}"): md5sums" || fail "$(basename "${!v}"): md5sums"
done

# the packaged command runs, and the packaged library links a program
dpkg-deb -x "$cmd" "$ctl/root"
dpkg-deb -x "$libs" "$ctl/root"
dpkg-deb -x "$dev" "$ctl/root"
if "$ctl/root/usr/bin/ptimerctl" --version | grep -q "^ptimerctl $VERSION\$"; then
	ok "packaged ptimerctl --version"
else
	fail "packaged ptimerctl --version"
fi
if cc -o "$ctl/smoke" "$SRC/tests/packaging/smoke.c" -I"$ctl/root/usr/include" \
	-L"$ctl/root$libdir" -lptimer 2>"$ctl/cc.err" &&
   LD_LIBRARY_PATH=$ctl/root$libdir "$ctl/smoke" >/dev/null 2>&1; then
	ok "a program builds and runs against the packaged libptimer.so"
else
	fail "a program against the packaged libptimer.so: $(head -n 3 "$ctl/cc.err")"
fi

if (( fails )); then
	echo "check-deb: $fails failure(s)"
	exit 1
fi
echo "check-deb: all passed"
