#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# `make deb`: binary Debian packages, with dpkg-deb, from the tree that
# `make install` writes (PREFIX=/usr, the multiarch libdir), built with
# dpkg-buildflags' flags and split as Debian splits a library:
#   ptimerctl      the command (libptimer linked in statically: it uses
#                  functions the shared library keeps private), its pages,
#                  its completion
#   libptimer1     libptimer.so.1 and the file it names
#   libptimer-dev  header, .so link, libptimer.a, pkg-config file, man3
# Usage: mk/deb.sh SRC OUTDIR VERSION; writes OUTDIR/*.deb.
set -euo pipefail

src=$1 out=$2 version=$3
make=${MAKE:-make}
# Debian forbids nothing here, but '-' in an upstream version must be '~'
# for 0.2.0-rc1 to sort before 0.2.0, as in the RPM.
debver=${version//-/\~}-1
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$ma
maint='ptimerctl developers <dev@ptimerctl.invalid>'

rm -rf "$out" && mkdir -p "$out"
root=$out/root
# A distribution build: its own flags, no -Werror, nothing from our make.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u WERROR -u DESTDIR \
	"$make" -s -C "$src" install BUILD="$out/build" DESTDIR="$root" PREFIX=/usr \
	LIBDIR="$libdir" CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
	LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"

# Which package a path of the install tree (relative, no leading /) goes to.
package_of() {
	case $1 in
	"${libdir#/}"/libptimer.so.*)			echo libptimer1 ;;
	usr/include/*|"${libdir#/}"/libptimer.so|"${libdir#/}"/libptimer.a|\
	"${libdir#/}"/pkgconfig/*|usr/share/man/man3/*)	echo libptimer-dev ;;
	*)						echo ptimerctl ;;
	esac
}

packages=(ptimerctl libptimer1 libptimer-dev)
for p in "${packages[@]}"; do
	mkdir -p "$out/pkg/$p/DEBIAN" "$out/pkg/$p/usr/share/doc/$p"
	cp "$src/LICENSE" "$out/pkg/$p/usr/share/doc/$p/copyright"
done
(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) |
while IFS= read -r f; do
	p=$(package_of "$f")
	# README.md: under the package's own name, as Debian names doc dirs
	dest=${f/#usr\/share\/doc\/ptimerctl\//usr/share/doc/$p/}
	mkdir -p "$out/pkg/$p/$(dirname "$dest")"
	cp -a "$root/$f" "$out/pkg/$p/$dest"
done

# What dh_strip and dh_compress would do.
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$out/pkg/ptimerctl/usr/bin/ptimerctl" "$out/pkg/libptimer1$libdir/libptimer.so.$version"
strip --strip-debug --remove-section=.comment "$out/pkg/libptimer-dev$libdir/libptimer.a"
find "$out/pkg" -path '*/usr/share/man/*' -type f -exec gzip -9n {} +

# Shared-library dependencies, as dpkg-shlibdeps finds them (it wants a
# debian/control beside it).
mkdir -p "$out/shlibs/debian"
printf 'Source: ptimerctl\n\nPackage: ptimerctl\nArchitecture: any\n' > "$out/shlibs/debian/control"
shlibdeps() {
	(cd "$out/shlibs" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}
dep_cmd=$(shlibdeps -e"$out/pkg/ptimerctl/usr/bin/ptimerctl")
dep_lib=$(shlibdeps -e"$out/pkg/libptimer1$libdir/libptimer.so.$version")

control() {	# package depends section summary description...
	local p=$1 depends=$2 section=$3 summary=$4
	shift 4
	{
		echo "Package: $p"
		echo "Source: ptimerctl"
		echo "Version: $debver"
		echo "Architecture: $arch"
		echo "Maintainer: $maint"
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$out/pkg/$p" | cut -f1)"
		[ -n "$depends" ] && echo "Depends: $depends"
		echo "Section: $section"
		echo "Priority: optional"
		echo "Description: $summary"
		for line in "$@"; do echo " $line"; done
	} > "$out/pkg/$p/DEBIAN/control"
}
control ptimerctl "$dep_cmd" admin \
	"checkpoint and restore the POSIX interval timers of a live process" \
	"ptimerctl dumps the POSIX interval timers (timer_create(2)) of a running" \
	"process to a JSON document and recreates them in another process with the" \
	"same timer IDs, clocks, notification targets and remaining times."
control libptimer1 "$dep_lib" libs \
	"library to checkpoint and restore the POSIX timers of a process" \
	"libptimer, the library behind ptimerctl: it dumps the POSIX interval" \
	"timers of a running process and recreates them in another one with the" \
	"same timer IDs."
control libptimer-dev "libptimer1 (= $debver), libjson-c-dev" libdevel \
	"development files for libptimer" \
	"Header, pkg-config file, shared library link, static library and manual" \
	"pages for libptimer, the library behind ptimerctl."
echo "libptimer 1 libptimer1 (>= ${version//-/\~})" > "$out/pkg/libptimer1/DEBIAN/shlibs"
echo "activate-noawait ldconfig" > "$out/pkg/libptimer1/DEBIAN/triggers"

for p in "${packages[@]}"; do
	(cd "$out/pkg/$p" && find . -type f ! -path './DEBIAN/*' | sed 's|^\./||' | sort |
		xargs -r md5sum) > "$out/pkg/$p/DEBIAN/md5sums"
	chmod 644 "$out/pkg/$p/DEBIAN/"*
	find "$out/pkg/$p" -type d -exec chmod 755 {} +
	dpkg-deb --root-owner-group -Zxz --build "$out/pkg/$p" \
		"$out/${p}_${debver}_${arch}.deb" >/dev/null
	echo "wrote $out/${p}_${debver}_${arch}.deb"
done
