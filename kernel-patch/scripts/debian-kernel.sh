#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# debian-kernel.sh BASE [ARCH]
#
# The unpatched kernel of vm-check: Debian's own binary kernel of the
# same version as the linux-source-BASE we patch (linux-image-*-amd64 or
# -arm64), not a build of ours.  That is the kernel an operator runs, it
# differs from the patched one only by the series (and by Debian's
# config), and it costs a download instead of a build: four kernel
# builds were half of a cold CI run.
#
# Caches the image (named bzImage or Image, as build-kernel.sh names its
# own), Debian's config and a gen_init_cpio built from the pristine
# source in KERNEL_CACHE, keyed by the package, its version and this
# script; prints the image path last.  Fails, saying why, when Debian
# has no image of that version (build-kernel.sh then builds one).
#
# Environment: KERNEL_CACHE, TARBALL_DIR (as build-kernel.sh).
set -eu

base=$1
arch=${2:-x86_64}
kp=$(cd "$(dirname "$0")/.." && pwd)
build=$kp/build

die() {
	echo "debian-kernel: $*" >&2
	exit 1
}

case $arch in
x86_64)	debarch=amd64 img=bzImage ;;
arm64)	debarch=arm64 img=Image ;;
*) die "unknown architecture '$arch' (x86_64 or arm64)" ;;
esac
version=$(dpkg-query -W -f='${Version}' "linux-source-$base" 2>/dev/null) ||
	die "linux-source-$base is not installed"

# Debian names its images linux-image-ABI-FLAVOUR[-unsigned] (6.1.0-57-amd64,
# 6.12.118+deb12-arm64); the one of the source's version is ours.
find_pkg() {
	for p in $(apt-cache pkgnames "linux-image-$base" | grep -E \
		"^linux-image-${base}[.][0-9]+[-+][a-z0-9]+(-[0-9]+)?-$debarch(-unsigned)?\$" | sort); do
		if apt-cache madison "$p:$debarch" 2>/dev/null |
			awk -F'|' -v v="$version" '{ gsub(/ /, "", $2) }
				$2 == v { f = 1 } END { exit !f }'; then
			echo "$p"
			return
		fi
	done
}
pkg=$(find_pkg)
# apt's lists may be older than the installed source (or absent)
if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -qq > /dev/null 2>&1 || true
	pkg=$(find_pkg)
fi
[ -n "$pkg" ] || die "no linux-image-$base-*-$debarch of version $version in apt's lists"

key=$( { echo "$pkg $version $debarch"; cat "$0"; } | sha256sum | cut -d' ' -f1)
cache=${KERNEL_CACHE:-/var/cache/ptimerctl/kernels}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$build/kcache
mkdir -p "$cache"
entry=$cache/$base-debian-$debarch-$key
if [ -f "$entry/$img" ]; then
	echo "debian-kernel: $base $debarch: cached $pkg $version $entry" >&2
	touch "$entry"
	echo "$entry/$img"
	exit 0
fi

# gen_init_cpio, which mkinitramfs.sh runs, comes with a kernel build;
# here it is built alone from the pristine tree
src=$("$kp/scripts/build-kernel.sh" "$base" pristine)
rm -rf "$entry.tmp"
mkdir -p "$entry.tmp"
trap 'rm -rf "$entry.tmp"' EXIT
${HOSTCC:-cc} -O2 -o "$entry.tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c" ||
	die "cannot build gen_init_cpio from $src"
echo "debian-kernel: $base $debarch: downloading $pkg $version" >&2
(cd "$entry.tmp" && apt-get download -q "$pkg:$debarch=$version") > "$entry.tmp/apt.log" 2>&1 ||
	die "apt-get download $pkg:$debarch=$version failed: $(tail -n 3 "$entry.tmp/apt.log")"
dpkg-deb --fsys-tarfile "$entry.tmp"/*.deb | tar -x -C "$entry.tmp" ./boot/
mv "$entry.tmp"/boot/vmlinuz-* "$entry.tmp/$img"
mv "$entry.tmp"/boot/config-* "$entry.tmp/.config"
echo "$pkg $version" > "$entry.tmp/package"
rm -rf "$entry.tmp/boot" "$entry.tmp"/*.deb
rm -rf "$entry"
mv "$entry.tmp" "$entry"
trap - EXIT
echo "$entry/$img"
