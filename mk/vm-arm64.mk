# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The aarch64 port proven in QEMU (kernel-patch/scripts/vm-check-arm64.sh):
#
#   make vm-check-arm64     cross-build ptimerctl, its tests and the bench
#                           for aarch64, build the arm64 kernels (BASES,
#                           default 6.12) patched and unpatched, and run
#                           the suites (SUITES) in each under TCG
#
# A cross build of its own, in build-aarch64/
VM_ARM64_DEB_DEPS := clang lld llvm binutils-aarch64-linux-gnu libc6-dev:arm64 libgcc-12-dev:arm64 \
                     libjson-c-dev:arm64 libcap-dev:arm64 libsmartcols-dev:arm64 qemu-system-arm \
                     linux-source-6.1 linux-source-6.12 flex bison bc libelf-dev libssl-dev cpio xz-utils
ARM64_MAKE := $(MAKE) CROSS_COMPILE=aarch64-linux-gnu-

.PHONY: vm-check-arm64 tests bench-bin
# Every test binary and the bench, without running them (a cross build's)
tests: $(UNIT_BINS) $(INTEG_BINS)
bench-bin: $(BUILD)/tests/bench/bench

vm-check-arm64:
	$(MAKE) deps DEB_DEPS="$(VM_ARM64_DEB_DEPS)" DEB_FOREIGN=arm64
	$(ARM64_MAKE) all tests static bench-bin
	TOP=$(abspath build-aarch64) kernel-patch/scripts/vm-check-arm64.sh
