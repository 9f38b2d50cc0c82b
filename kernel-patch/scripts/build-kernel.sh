#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-kernel.sh BASE VARIANT
# build-kernel.sh BASE pristine
#
# Build an x86_64 bzImage (tinyconfig + config.fragment) from the Debian
# tarball /usr/src/linux-source-BASE.tar.xz, VARIANT "unpatched" or
# "patched" (with the series BASE/*.patch), in build/obj/BASE-VARIANT.
# The pristine tree is unpacked once to build/src/BASE; the patched one to
# build/src/BASE-patched. Built kernels are cached in KERNEL_CACHE
# (default /var/cache/ptimerctl/kernels, else build/kcache), keyed by the
# Debian package version, this script, the config fragment and the code of
# the series. Prints the cached bzImage path last; gen_init_cpio is beside
# it. With "pristine" it only unpacks and prints the pristine source tree.
#
# Environment: JOBS (default nproc), TARBALL_DIR (default /usr/src),
# KERNEL_CACHE.
set -eu

base=$1
variant=$2
kp=$(cd "$(dirname "$0")/.." && pwd)
build=$kp/build
tarball=${TARBALL_DIR:-/usr/src}/linux-source-$base.tar.xz
obj=$build/obj/$base-$variant
jobs=${JOBS:-$(nproc)}

die() {
	echo "build-kernel: $*" >&2
	exit 1
}

[ -r "$tarball" ] || die "missing $tarball (apt-get install linux-source-$base)"
case $variant in
patched|unpatched|pristine) ;;
*) die "unknown variant '$variant'" ;;
esac

# Identity of what we build: the Debian source package, this script, the
# config fragment and, if patched, the code of the series (not its commit
# messages, which do not change the kernel)
key=$( {
	echo "$base $variant"
	dpkg-query -W -f='${Version}\n' "linux-source-$base" 2>/dev/null ||
		stat -c '%s %Y' "$tarball"
	cat "$0" "$kp/config.fragment"
	[ "$variant" = unpatched ] ||
		for p in "$kp/$base"/*.patch; do sed -n '/^diff --git /,$p' "$p"; done
} | sha256sum | cut -d' ' -f1)

# Kernels are cached outside the clone, so a fresh clone (CI) reuses them.
# An entry holds bzImage, gen_init_cpio and .config and appears atomically.
cache=${KERNEL_CACHE:-/var/cache/ptimerctl/kernels}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$build/kcache
mkdir -p "$cache"
entry=$cache/$base-$variant-$key
if [ "$variant" != pristine ] && [ -f "$entry/bzImage" ]; then
	echo "build-kernel: $base-$variant: cached bzImage $entry" >&2
	touch "$entry"
	echo "$entry/bzImage"
	exit 0
fi

# unpack DIR [KEY]: DIR holds linux-source-$base, stamped with KEY
unpack() {
	stamp="$1/.vmcheck-stamp"
	[ "$(cat "$stamp" 2>/dev/null)" = "${2:-pristine}" ] && return 0
	rm -rf "$1"
	mkdir -p "$1"
	echo "build-kernel: unpacking $tarball into $1" >&2
	tar -xf "$tarball" -C "$1"
	[ -d "$1/linux-source-$base" ] || die "unexpected tarball layout"
	if [ -n "${2:-}" ]; then
		for p in "$kp/$base"/*.patch; do
			out=$(cd "$1/linux-source-$base" &&
			      patch -p1 -F0 --no-backup-if-mismatch < "$p") ||
				die "${p##*/} does not apply: $out"
			if printf '%s\n' "$out" | grep -Eqi 'offset|fuzz'; then
				die "${p##*/} applies only with offset/fuzz: $out"
			fi
			echo "build-kernel: applied ${p##*/}" >&2
		done
	fi
	echo "${2:-pristine}" > "$stamp"
}

if [ "$variant" = pristine ]; then
	unpack "$build/src/$base"
	echo "$build/src/$base/linux-source-$base"
	exit 0
elif [ "$variant" = patched ]; then
	src=$build/src/$base-patched
	unpack "$src" "$key"
else
	src=$build/src/$base
	unpack "$src"
fi
src=$src/linux-source-$base

rm -rf "$obj"
mkdir -p "$obj"
cd "$src"
# tinyconfig warns about choice overrides on stderr; keep that in a log
{ make -s ARCH=x86_64 O="$obj" tinyconfig &&
  scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
	"$kp/config.fragment" &&
  make -s ARCH=x86_64 O="$obj" olddefconfig; } > "$obj/config.log" 2>&1 ||
	{ cat "$obj/config.log" >&2; die "configuration failed"; }

# Every option of the fragment must have survived olddefconfig
missing=$(grep '^CONFIG_' "$kp/config.fragment" | while read -r opt; do
	grep -qx "$opt" "$obj/.config" || echo "$opt"
done)
[ -z "$missing" ] || die "options lost in .config: $missing"

echo "build-kernel: building $base-$variant with -j$jobs" >&2
if ! make ARCH=x86_64 O="$obj" -j"$jobs" bzImage > "$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "$base-$variant: kernel build failed, see $obj/build.log"
fi
rm -rf "$entry.tmp"
mkdir -p "$entry.tmp"
cp "$obj/arch/x86/boot/bzImage" "$obj/usr/gen_init_cpio" "$obj/.config" "$entry.tmp/"
rm -rf "$entry"
mv "$entry.tmp" "$entry"
# keep the 12 most recently used entries
# shellcheck disable=SC2012 # names are ours, without blanks
ls -1td "$cache"/*-*-* 2>/dev/null | tail -n +13 | xargs -r rm -rf
echo "$entry/bzImage"
