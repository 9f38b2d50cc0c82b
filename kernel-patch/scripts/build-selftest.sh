#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# build-selftest.sh WORKDIR OUT [CC...]: upstream's posix_timers selftest
# with check_timer_create_exact() (8e63360d8699), a user-space program the
# guests run on every kernel.  Built from the pristine 6.12 tree plus the
# series' selftest patch, so that it needs no built kernel tree (the
# kernels may come from the cache).  CC defaults to gcc; vm-check-arm64.sh
# passes its cross compiler.
set -eu
kp=$(cd "$(dirname "$0")/.." && pwd)
sel=$1
out=$2
shift 2
[ $# -gt 0 ] || set -- "${CC:-gcc}"

src=$("$kp/scripts/build-kernel.sh" 6.12 pristine)
patch=$(ls "$kp"/6.12/*-selftests-timers-posix-timers-*.patch)
rm -rf "$sel"
mkdir -p "$sel/tools/testing/selftests/timers"
cp "$src/tools/testing/selftests/kselftest.h" "$sel/tools/testing/selftests/"
cp "$src/tools/testing/selftests/timers/posix_timers.c" "$sel/tools/testing/selftests/timers/"
patch -s -p1 -d "$sel" < "$patch"
"$@" -O2 -static -o "$out" "$sel/tools/testing/selftests/timers/posix_timers.c" -lpthread -lrt
echo "  selftest: built posix_timers from ${src##*/} + ${patch##*/}"
