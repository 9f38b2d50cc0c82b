/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * A seccomp allowlist for the confined helpers (sandboxed, oddproc): the
 * calling thread (and the threads it starts after) may make only the
 * system calls listed; any other is answered with @refuse, and a call of
 * another architecture kills the process.  No TSYNC: threads started
 * before keep what they had.
 */
#ifndef PTIMER_TEST_ALLOWLIST_H
#define PTIMER_TEST_ALLOWLIST_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit_arch.h"
#include "vcommon.h"

/* @n at most 250: each test's jump to the ALLOW at the end is one byte. */
static inline void vp_allow_only(const int *allowed, size_t n, unsigned int refuse)
{
	struct sock_filter filter[4 + n + 2];
	struct sock_fprog prog = { .filter = filter };
	size_t k = 0;

	if (n > 250)
		vp_die(E2BIG, "allowlist of %zu calls", n);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, arch));
	filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VP_AUDIT_ARCH, 1, 0);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, nr));
	/* Each test jumps to the ALLOW at the very end when it matches. */
	for (size_t i = 0; i < n; i++)
		filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				(unsigned int)allowed[i], (unsigned char)(n - i), 0);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, refuse);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		vp_die(errno, "PR_SET_NO_NEW_PRIVS");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		vp_die(errno, "seccomp");
}

#endif
