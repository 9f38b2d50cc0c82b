# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The kernel patches, built and proven in QEMU (kernel-patch/README.md).
VM_DEB_DEPS := qemu-system-x86 busybox-static linux-source-6.1 linux-source-6.12 \
               flex bison bc libelf-dev libssl-dev cpio xz-utils gcc gcc-multilib make

.PHONY: vm-check
vm-check:
	$(MAKE) deps DEB_DEPS="$(VM_DEB_DEPS)"
	$(MAKE) -C kernel-patch vm-check
