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
pkg() { find "$RPM_TOPDIR/RPMS" -name "$1-$RPM_VERSION-*.$arch.rpm" | head -n1; }
main=$(pkg ptimerctl)
libs=$(pkg ptimerctl-libs)
devel=$(pkg ptimerctl-devel)
static=$(pkg ptimerctl-static)
for v in main libs devel static; do
	if [[ -n ${!v} ]]; then ok "$v package $(basename "${!v}")"; else fail "$v package not built"; exit 1; fi
done
extra=$(find "$RPM_TOPDIR/RPMS" -name '*.rpm' ! -name '*-debug*' | grep -vxF -e "$main" -e "$libs" \
	-e "$devel" -e "$static" || true)
[[ -z $extra ]] && ok "no other packages" || fail "other packages: $extra"

libdir=$(rpm --eval '%{_libdir}')
mandir=$(rpm --eval '%{_mandir}')
bcdir=$(rpm --eval '%{?bash_completions_dir}')
bcdir=${bcdir:-/usr/share/bash-completion/completions}
licdir=$(rpm --eval '%{_defaultlicensedir}')

# shellcheck source=tests/packaging/contents.sh
. "$SRC/tests/packaging/contents.sh"
for v in main libs devel static; do
	rpm -qlp "${!v}" 2>/dev/null | sort > "$BUILD/rpm-$v.list"
done
check_role cmd "$BUILD/rpm-main.list" "$libdir" "$mandir" "$bcdir"
check_role libs "$BUILD/rpm-libs.list" "$libdir" "$mandir" "$bcdir"
check_role devel "$BUILD/rpm-devel.list" "$libdir" "$mandir" "$bcdir"
check_role static "$BUILD/rpm-static.list" "$libdir" "$mandir" "$bcdir"

# contains LIST REGEX DESCRIPTION
contains()
{
	if grep -Eq "$2" "$1"; then ok "$3"; else fail "$3"; fi
}
m=$BUILD/rpm-main.list
# Fedora: licenses/NAME; Debian's rpm: licenses/NAME-VERSION (_docdir_fmt)
contains "$m" "^$licdir/ptimerctl(-${RPM_VERSION//./\\.})?/LICENSE\$" "main: %license LICENSE"
contains "$m" "^$licdir/ptimerctl(-${RPM_VERSION//./\\.})?/LGPL-2\.1-or-later\.txt\$" \
	"main: %license LICENSES/LGPL-2.1-or-later.txt"
contains "$BUILD/rpm-libs.list" "^$licdir/ptimerctl-libs(-${RPM_VERSION//./\\.})?/LGPL-2\.1-or-later\.txt\$" \
	"libs: %license LICENSES/LGPL-2.1-or-later.txt"
if [[ -f $SRC/README.md ]]; then
	contains "$m" "^/usr/share/doc/ptimerctl(-${RPM_VERSION//./\\.})?/README\.md\$" "main: %doc README.md"
fi

# metadata
q() { rpm -qp --qf "$1" "$main" 2>/dev/null; }
lic='GPL-2.0-or-later AND LGPL-2.1-or-later'
[[ $(q '%{LICENSE}') == "$lic" ]] && ok "License $lic" || fail "License is $(q '%{LICENSE}')"
for v in libs devel static; do
	l=$(rpm -qp --qf '%{LICENSE}' "${!v}" 2>/dev/null)
	[[ $l == LGPL-2.1-or-later ]] && ok "$v License LGPL-2.1-or-later" || fail "$v License is $l"
done
[[ $(q '%{VERSION}') == "$RPM_VERSION" ]] && ok "Version $RPM_VERSION" || fail "Version is $(q '%{VERSION}')"
if rpm -qp --provides "$libs" 2>/dev/null | grep -q '^libptimer\.so\.1'; then
	ok "libs provides libptimer.so.1"
else
	fail "libs provides libptimer.so.1"
fi
if rpm -qp --requires "$main" 2>/dev/null | grep -q 'libptimer'; then
	fail "main requires libptimer: $(rpm -qp --requires "$main" | grep libptimer | xargs)"
else
	ok "main does not require libptimer (linked statically)"
fi
requires_same() {	# package name
	if rpm -qp --requires "$1" 2>/dev/null | grep -Eq "^$2(\(.*\))? = "; then
		ok "$(basename "$1") requires the same $2"
	else
		fail "$(basename "$1") requires the same $2"
	fi
}
requires_same "$devel" ptimerctl-libs
requires_same "$static" ptimerctl-devel
if rpm -qp --provides "$devel" 2>/dev/null | grep -q '^pkgconfig(libptimer)'; then
	ok "devel provides pkgconfig(libptimer)"
else
	echo "skip devel provides pkgconfig(libptimer): this rpm has no pkgconfig dependency generator"
fi
# No scriptlets: modern rpm runs ldconfig itself (a file trigger).
for v in main libs devel static; do
	if rpm -qp --scripts "${!v}" 2>/dev/null | grep -q .; then
		fail "$v has scriptlets: $(rpm -qp --scripts "${!v}" | head -n 2 | xargs)"
	else
		ok "$v has no scriptlets"
	fi
done
# Source0 is the tarball make dist writes.
src0=$(sed -n 's/^Source0:[[:space:]]*//p' "$BUILD/ptimerctl.spec" |
	sed -e "s/%{name}/ptimerctl/g" -e "s/%{upstream_version}/$VERSION/g")
[[ $(basename "$src0") == "$(basename "$tarball")" ]] && ok "Source0 is $(basename "$tarball")" ||
	fail "Source0 is '$src0', make dist writes $(basename "$tarball")"
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

# rpmlint on the spec and every package: what it finds is printed; an
# error fails, unless tests/packaging/rpmlintrc filters it, with the reason.
if command -v rpmlint >/dev/null; then
	rc=0
	rpmlint -r "$SRC/tests/packaging/rpmlintrc" "$BUILD/ptimerctl.spec" \
		"$main" "$libs" "$devel" "$static" > "$BUILD/rpmlint.log" 2>&1 || rc=$?
	sed 's/^/     /' "$BUILD/rpmlint.log"
	if (( rc == 0 )); then
		ok "rpmlint: no errors ($(grep -c ': W: ' "$BUILD/rpmlint.log" || true) warnings above)"
	else
		fail "rpmlint: errors (exit $rc), see above"
	fi
else
	fail "rpmlint is not installed (apt-get install rpmlint)"
fi

if (( fails )); then
	echo "check-rpm: $fails failure(s)"
	exit 1
fi
echo "check-rpm: all passed"
