# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# What each binary package holds, one test for the RPMs and the .debs:
# sourced by check-rpm.sh and check-deb.sh, which list each package's
# files (one absolute path a line) and call check_role on the list.
#
#   check_role ROLE LIST LIBDIR MANDIR BCDIR
#
# ROLE is what the package is for, whatever the distribution calls it:
#   cmd     the command, its pages and completion; no library, no .so
#   libs    the shared library, libptimer.so.1 and the file it names
#   devel   header, .so link, pkg-config file, the manual pages of section 3
#   static  libptimer.a
# Needs ok, fail and VERSION from the caller.

_contains() {	# list regex description
	if grep -Eq "$2" "$1"; then ok "$3"; else fail "$3"; fi
}

_lacks() {
	if grep -Eq "$2" "$1"; then fail "$3: $(grep -E "$2" "$1" | head -n 3 | xargs)"; else ok "$3"; fi
}

check_role() {
	local role=$1 list=$2 libdir=$3 mandir=$4 bcdir=$5
	local man='(\.gz|\.xz|\.bz2)?$' v=${VERSION//./\\.}
	# documentation and licences may go in any package
	local other
	other=$(grep -Ev '^/usr/share/(doc|licenses)/' "$list" || true)
	case $role in
	cmd)
		_contains "$list" "^/usr/bin/ptimerctl\$" "$role: /usr/bin/ptimerctl"
		_contains "$list" "^$mandir/man1/ptimerctl\.1$man" "$role: ptimerctl.1"
		_contains "$list" "^$mandir/man5/ptimerctl-dump\.5$man" "$role: ptimerctl-dump.5"
		_contains "$list" "^$bcdir/ptimerctl\$" "$role: bash completion"
		_lacks "$list" "ptimer\.h|libptimer\.(a|so)|\.pc\$|/man3/" \
			"$role: no library and no development files (the command links libptimer statically)"
		;;
	libs)
		_contains "$list" "^$libdir/libptimer\.so\.1\$" "$role: $libdir/libptimer.so.1"
		_contains "$list" "^$libdir/libptimer\.so\.$v\$" "$role: $libdir/libptimer.so.$VERSION"
		_lacks <(printf '%s\n' "$other") "^/usr/bin/|ptimer\.h|libptimer\.(a|so)\$|\.pc\$|/man[0-9]/" \
			"$role: the library alone"
		;;
	devel)
		_contains "$list" "^/usr/include/ptimer\.h\$" "$role: ptimer.h"
		_contains "$list" "^$libdir/libptimer\.so\$" "$role: libptimer.so link"
		_contains "$list" "^$libdir/pkgconfig/libptimer\.pc\$" "$role: libptimer.pc"
		_contains "$list" "^$mandir/man3/libptimer\.3$man" "$role: libptimer.3"
		_contains "$list" "^$mandir/man3/ptimer_restore_pid\.3$man" "$role: ptimer_restore_pid.3"
		_lacks "$list" "^/usr/bin/|libptimer\.so\.[0-9]|/man[15]/" "$role: no runtime files"
		;;
	static)
		_contains "$list" "^$libdir/libptimer\.a\$" "$role: libptimer.a"
		_lacks "$list" "^/usr/bin/|libptimer\.so\.[0-9]" "$role: no runtime files"
		;;
	esac
}
