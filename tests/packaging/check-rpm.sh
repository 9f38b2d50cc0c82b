#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Build the RPMs with `make rpm` (dist tarball, private _topdir, --nodeps)
# and check what is inside each package.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MAKE=${MAKE:-make}
VERSION=${VERSION:-$(cat "$SRC/VERSION")}
RPM_VERSION=${RPM_VERSION:-${VERSION//-/\~}}
BUILD=${BUILD:-$SRC/build}
RPM_TOPDIR=${RPM_TOPDIR:-$BUILD/rpm}

fails=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

for tool in rpmbuild rpm git; do
	if ! command -v $tool >/dev/null; then
		echo "FAIL $tool is not installed"
		exit 1
	fi
done

unset MAKEFLAGS MFLAGS MAKELEVEL
log=$BUILD/rpmbuild.log
mkdir -p "$BUILD"
if $MAKE -C "$SRC" rpm > "$log" 2>&1; then
	ok "make rpm"
else
	fail "make rpm (last lines of $log follow)"
	tail -n 40 "$log" | sed 's/^/     /'
	exit 1
fi

# the tarball: named after VERSION, one top directory, a filled-in spec
tarball=$BUILD/ptimerctl-$VERSION.tar.gz
if [[ -f $tarball ]]; then
	ok "dist tarball $(basename "$tarball")"
	tops=$(tar -tzf "$tarball" | cut -d/ -f1 | sort -u)
	[[ $tops == "ptimerctl-$VERSION" ]] && ok "tarball has one top directory" \
		|| fail "tarball top directories: $tops"
	for f in Makefile VERSION LICENSE include/ptimer.h ptimerctl.spec mk/install.mk \
		lib/libptimer.pc.in completion/ptimerctl.bash man/ptimerctl.1 man/libptimer.3; do
		tar -tzf "$tarball" "ptimerctl-$VERSION/$f" >/dev/null 2>&1 \
			&& ok "tarball has $f" || fail "tarball lacks $f"
	done
	spec=$(tar -xOzf "$tarball" "ptimerctl-$VERSION/ptimerctl.spec")
	if grep -q '@[A-Z_]*@' <<< "$spec"; then
		fail "tarball spec still has @...@ placeholders"
	else
		ok "tarball spec is filled in"
	fi
	grep -Eq "^Version:[[:space:]]+$RPM_VERSION\$" <<< "$spec" && ok "spec Version $RPM_VERSION" \
		|| fail "spec Version is not $RPM_VERSION"
	owners=$(tar -tzvf "$tarball" | awk '{print $2}' | sort -u)
	if grep -Eqv '^(root/root|0/0)$' <<< "$owners"; then
		fail "tarball entries owned by 0/0"
	else
		ok "tarball entries owned by 0/0"
	fi
else
	fail "dist tarball $tarball missing"
fi

arch=$(rpm --eval '%{_arch}')
main=$(find "$RPM_TOPDIR/RPMS" -name "ptimerctl-$RPM_VERSION-*.$arch.rpm" ! -name '*-devel-*' ! -name '*-debug*' | head -n1)
devel=$(find "$RPM_TOPDIR/RPMS" -name "ptimerctl-devel-$RPM_VERSION-*.$arch.rpm" | head -n1)
[[ -n $main ]] && ok "main package $(basename "$main")" || { fail "main package not built"; exit 1; }
[[ -n $devel ]] && ok "devel package $(basename "$devel")" || { fail "devel package not built"; exit 1; }

libdir=$(rpm --eval '%{_libdir}')
mandir=$(rpm --eval '%{_mandir}')
bcdir=$(rpm --eval '%{?bash_completions_dir}')
bcdir=${bcdir:-/usr/share/bash-completion/completions}
licdir=$(rpm --eval '%{_defaultlicensedir}')

rpm -qlp "$main" 2>/dev/null | sort > "$BUILD/rpm-main.list"
rpm -qlp "$devel" 2>/dev/null | sort > "$BUILD/rpm-devel.list"

# contains LIST REGEX DESCRIPTION
contains()
{
	if grep -Eq "$2" "$1"; then ok "$3"; else fail "$3"; fi
}
lacks()
{
	if grep -Eq "$2" "$1"; then fail "$3"; else ok "$3"; fi
}
m=$BUILD/rpm-main.list
d=$BUILD/rpm-devel.list
contains "$m" "^/usr/bin/ptimerctl\$" "main: /usr/bin/ptimerctl"
contains "$m" "^$libdir/libptimer\.so\.1\$" "main: $libdir/libptimer.so.1"
contains "$m" "^$libdir/libptimer\.so\.${VERSION//./\\.}\$" "main: $libdir/libptimer.so.$VERSION"
contains "$m" "^$mandir/man1/ptimerctl\.1(\.gz|\.xz|\.bz2)?\$" "main: ptimerctl.1"
if [[ -f $SRC/man/ptimerctl-dump.5 ]]; then
	contains "$m" "^$mandir/man5/ptimerctl-dump\.5(\.gz|\.xz|\.bz2)?\$" "main: ptimerctl-dump.5"
fi
contains "$m" "^$bcdir/ptimerctl\$" "main: bash completion"
# Fedora: licenses/NAME; Debian's rpm: licenses/NAME-VERSION (_docdir_fmt)
contains "$m" "^$licdir/ptimerctl(-${RPM_VERSION//./\\.})?/LICENSE\$" "main: %license LICENSE"
contains "$m" "^$licdir/ptimerctl(-${RPM_VERSION//./\\.})?/LGPL-2\.1-or-later\.txt\$" \
	"main: %license LICENSES/LGPL-2.1-or-later.txt"
if [[ -f $SRC/README.md ]]; then
	contains "$m" "^/usr/share/doc/ptimerctl(-${RPM_VERSION//./\\.})?/README\.md\$" "main: %doc README.md"
fi
lacks "$m" "ptimer\.h|libptimer\.a|libptimer\.so\$|\.pc\$|man3" "main: no development files"

contains "$d" "^/usr/include/ptimer\.h\$" "devel: ptimer.h"
contains "$d" "^$libdir/libptimer\.so\$" "devel: libptimer.so symlink"
contains "$d" "^$libdir/libptimer\.a\$" "devel: libptimer.a"
contains "$d" "^$libdir/pkgconfig/libptimer\.pc\$" "devel: libptimer.pc"
contains "$d" "^$mandir/man3/libptimer\.3(\.gz|\.xz|\.bz2)?\$" "devel: libptimer.3"
contains "$d" "^$mandir/man3/ptimer_restore_pid\.3(\.gz|\.xz|\.bz2)?\$" "devel: ptimer_restore_pid.3"
lacks "$d" "^/usr/bin/|libptimer\.so\.1\$" "devel: no runtime files"

# metadata
q() { rpm -qp --qf "$1" "$main" 2>/dev/null; }
lic='GPL-2.0-or-later AND LGPL-2.1-or-later'
[[ $(q '%{LICENSE}') == "$lic" ]] && ok "License $lic" || fail "License is $(q '%{LICENSE}')"
dlic=$(rpm -qp --qf '%{LICENSE}' "$devel" 2>/dev/null)
[[ $dlic == LGPL-2.1-or-later ]] && ok "devel License LGPL-2.1-or-later" || fail "devel License is $dlic"
[[ $(q '%{VERSION}') == "$RPM_VERSION" ]] && ok "Version $RPM_VERSION" || fail "Version is $(q '%{VERSION}')"
if rpm -qp --provides "$main" 2>/dev/null | grep -q '^libptimer\.so\.1'; then
	ok "main provides libptimer.so.1"
else
	fail "main provides libptimer.so.1"
fi
if rpm -qp --requires "$devel" 2>/dev/null | grep -Eq "^ptimerctl(\(.*\))? = "; then
	ok "devel requires the same ptimerctl"
else
	fail "devel requires the same ptimerctl"
fi
if rpm -qp --provides "$devel" 2>/dev/null | grep -q '^pkgconfig(libptimer)'; then
	ok "devel provides pkgconfig(libptimer)"
else
	echo "skip devel provides pkgconfig(libptimer): this rpm has no pkgconfig dependency generator"
fi
# the packaged .pc points at the packaged paths
if command -v cpio >/dev/null; then
	pcdir=$BUILD/rpm-devel-root
	rm -rf "$pcdir" && mkdir -p "$pcdir"
	(cd "$pcdir" && rpm2cpio "$devel" | cpio -idm --quiet 2>/dev/null) || true
	pcfile=$pcdir$libdir/pkgconfig/libptimer.pc
	if [[ -f $pcfile ]] && grep -qx 'prefix=/usr' "$pcfile" \
		&& grep -qx "libdir=\${prefix}${libdir#/usr}" "$pcfile"; then
		ok "packaged libptimer.pc has prefix=/usr and libdir=$libdir"
	else
		fail "packaged libptimer.pc paths: $(grep -E '^(prefix|libdir)=' "$pcfile" 2>/dev/null | tr '\n' ' ')"
	fi
	rm -rf "$pcdir"
else
	echo "skip packaged libptimer.pc paths: no cpio"
fi

# %check ran the unit tests (or they were skipped on purpose)
if grep -q 'Executing(%check)' "$log"; then
	ok "%check ran"
else
	fail "%check did not run"
fi

if (( fails )); then
	echo "check-rpm: $fails failure(s)"
	exit 1
fi
echo "check-rpm: all passed"
