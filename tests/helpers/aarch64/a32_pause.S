/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * a32_pause: an AArch32 (compat) program for an arm64 kernel, without
 * libc: it writes "r" to its stdout once it runs, then pauses for ever.
 * ptimerctl must refuse it (its injected code is AArch64 only).
 *
 * Not built by the Makefile: kernel-patch/scripts/vm-check-arm64.sh builds
 * it with clang --target=armv7a-linux-gnueabi -nostdlib -static, taking
 * NR_write and NR_pause from the kernel tree's arch/arm/tools/syscall.tbl
 * (no arm32 uapi headers on the build machine).
 */
	.syntax unified
	.arm
	.text
	.globl	_start
_start:
	mov	r0, #1
	adr	r1, ready
	mov	r2, #1
	mov	r7, #NR_write
	svc	#0
1:	mov	r7, #NR_pause
	svc	#0
	b	1b
ready:
	.ascii	"r"
