/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * System calls that the asm-generic architectures (arm64, riscv64) lack,
 * and what their libc uses instead: vfork() is clone(CLONE_VM |
 * CLONE_VFORK), poll() is ppoll(), epoll_wait() is epoll_pwait() without
 * a mask.  The tests ask the kernel's table (sys/syscall.h), not the
 * architecture.
 */
#ifndef PTIMER_TESTS_SYSNR_H
#define PTIMER_TESTS_SYSNR_H

#include <sys/syscall.h>

/* What /proc/TID/syscall shows for a thread sleeping in vfork(). */
#ifdef SYS_vfork
#define SYSNR_VFORK	SYS_vfork
#else
#define SYSNR_VFORK	SYS_clone
#endif

/* The old waits, or the call libc makes them (the same wait in the kernel). */
#ifdef SYS_poll
#define SYSNR_POLL	SYS_poll
#else
#define SYSNR_POLL	SYS_ppoll
#endif
#ifdef SYS_epoll_wait
#define SYSNR_EPOLL_WAIT	SYS_epoll_wait
#else
#define SYSNR_EPOLL_WAIT	SYS_epoll_pwait
#endif

#endif
