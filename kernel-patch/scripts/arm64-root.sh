#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# arm64-root.sh ROOT
#
# Unpack the arm64 programs and libraries the arm64 vm-check guest needs
# into ROOT, from Debian's arm64 packages (apt-get download; nothing is
# installed, so nothing conflicts with the host's own packages): static
# busybox, setpriv/unshare/nsenter, and the shared libraries of
# ptimerctl and its test binaries. ROOT/tools holds links to the three
# tools only, for stage-suite.sh to find on its PATH. Needs
# "dpkg --add-architecture arm64" and an apt-get update (make deps).
set -eu

root=$1
pkgs="busybox-static util-linux libc6 libgcc-s1 libjson-c5 libcap2 libcap-ng0
libselinux1 libpcre2-8-0 libcriterion3 libnanomsg5 libgit2-1.5 libssh2-1
libssl3 libmbedtls14 libmbedx509-1 libmbedcrypto7 libhttp-parser2.9 zlib1g
libffi8 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libcom-err2 libkrb5support0
libkeyutils1 libsmartcols1"
stamp=$root/.packages
want=$(echo $pkgs)
[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0
rm -rf "$root"
mkdir -p "$root/debs" "$root/tools"
# shellcheck disable=SC2046 # a list of package names
(cd "$root/debs" && apt-get download -q $(for p in $pkgs; do echo "$p:arm64"; done)) \
	> "$root/download.log" 2>&1 ||
	{ cat "$root/download.log" >&2; echo "arm64-root: apt-get download failed" >&2; exit 1; }
for d in "$root"/debs/*.deb; do
	dpkg -x "$d" "$root"
done
rm -rf "$root/debs"
for t in setpriv unshare nsenter; do
	ln -s ../usr/bin/$t "$root/tools/$t"
done
echo "$want" > "$stamp"
