#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-kernel.sh BASE VARIANT [ARCH]
# build-kernel.sh BASE pristine
#
# Build a kernel image for ARCH (x86_64, the default, or arm64; tinyconfig
# + config.fragment + config.ARCH.fragment) from the Debian tarball
# /usr/src/linux-source-BASE.tar.xz, VARIANT "unpatched" or "patched"
# (with the series BASE/*.patch), in build/obj/BASE-VARIANT[-ARCH].
# arm64 is cross-compiled with clang and lld (LLVM=1): Debian's
# gcc-aarch64-linux-gnu cannot be installed beside gcc-multilib.
# The pristine tree is unpacked once to build/src/BASE; the patched one to
# build/src/BASE-patched. Built kernels are cached in KERNEL_CACHE
# (default /var/cache/ptimerctl/kernels, else build/kcache), keyed by the
# Debian package version, this script, the config fragment and the code of
# the series. Prints the cached image path last (bzImage or, for arm64,
# Image); gen_init_cpio is beside
# it. With "pristine" it only unpacks and prints the pristine source tree.
#
# "unpatched" is Debian's binary kernel of the same version
# (debian-kernel.sh) unless UNPATCHED=source, or Debian has none.
#
# Environment: JOBS (default nproc), TARBALL_DIR (default /usr/src),
# KERNEL_CACHE, UNPATCHED.
set -eu

base=$1
variant=$2
arch=${3:-x86_64}
kp=$(cd "$(dirname "$0")/.." && pwd)
build=$kp/build
tarball=${TARBALL_DIR:-/usr/src}/linux-source-$base.tar.xz
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
# The unpatched kernel is Debian's own binary one (debian-kernel.sh), built
# here only with UNPATCHED=source or when Debian has none of this version
if [ "$variant" = unpatched ] && [ "${UNPATCHED:-debian}" != source ]; then
	"$kp/scripts/debian-kernel.sh" "$base" "$arch" && exit 0
	echo "build-kernel: $base-unpatched: building it from the source instead" >&2
fi

# The kernel's ARCH, its image, and a suffix for the object and cache
# names of other architectures than x86_64 (whose names stay as they were)
case $arch in
x86_64)	image=arch/x86/boot/bzImage llvm= suffix= ;;
arm64)	image=arch/arm64/boot/Image llvm=1 suffix=-arm64 ;;
*) die "unknown architecture '$arch' (x86_64 or arm64)" ;;
esac
[ -z "$llvm" ] || command -v ld.lld > /dev/null ||
	die "no clang and lld for the $arch kernel (apt-get install clang lld)"
obj=$build/obj/$base-$variant$suffix
img=${image##*/}
fragments="$kp/config.fragment $kp/config.$arch.fragment"

# Identity of what we build: the Debian source package, this script, the
# config fragment and, if patched, the code of the series (not its commit
# messages, which do not change the kernel)
key=$( {
	echo "$base $variant $arch"
	dpkg-query -W -f='${Version}\n' "linux-source-$base" 2>/dev/null ||
		stat -c '%s %Y' "$tarball"
	# shellcheck disable=SC2086 # two paths without blanks
	cat "$0" $fragments
	[ "$variant" = unpatched ] ||
		for p in "$kp/$base"/*.patch; do sed -n '/^diff --git /,$p' "$p"; done
} | sha256sum | cut -d' ' -f1)

# Kernels are cached outside the clone, so a fresh clone (CI) reuses them.
# An entry holds the image, gen_init_cpio and .config and appears atomically.
cache=${KERNEL_CACHE:-/var/cache/ptimerctl/kernels}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$build/kcache
mkdir -p "$cache"
entry=$cache/$base-$variant$suffix-$key
if [ "$variant" != pristine ] && [ -f "$entry/$img" ]; then
	echo "build-kernel: $base-$variant$suffix: cached $img $entry" >&2
	touch "$entry"
	echo "$entry/$img"
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
# shellcheck disable=SC2086 # $fragments: two paths without blanks
{ make -s ARCH="$arch" LLVM="$llvm" O="$obj" tinyconfig &&
  ARCH=$arch LLVM=$llvm scripts/kconfig/merge_config.sh -m -O "$obj" \
	"$obj/.config" $fragments &&
  make -s ARCH="$arch" LLVM="$llvm" O="$obj" olddefconfig; } > "$obj/config.log" 2>&1 ||
	{ cat "$obj/config.log" >&2; die "configuration failed"; }

# Every option of the fragment must have survived olddefconfig
# shellcheck disable=SC2086 # $fragments: two paths without blanks
missing=$(cat $fragments | grep '^CONFIG_' | while read -r opt; do
	grep -qx "$opt" "$obj/.config" || echo "$opt"
done)
[ -z "$missing" ] || die "options lost in .config: $missing"

echo "build-kernel: building $base-$variant$suffix with -j$jobs" >&2
if ! make ARCH="$arch" LLVM="$llvm" O="$obj" -j"$jobs" "$img" \
	> "$obj/build.log" 2>&1; then
	tail -n 40 "$obj/build.log" >&2
	die "$base-$variant$suffix: kernel build failed, see $obj/build.log"
fi
rm -rf "$entry.tmp"
mkdir -p "$entry.tmp"
cp "$obj/$image" "$obj/usr/gen_init_cpio" "$obj/.config" "$entry.tmp/"
rm -rf "$entry"
mv "$entry.tmp" "$entry"
# keep the 12 most recently used entries
# shellcheck disable=SC2012 # names are ours, without blanks
ls -1td "$cache"/*-*-* 2>/dev/null | tail -n +13 | xargs -r rm -rf
echo "$entry/$img"
