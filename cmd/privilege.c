// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The least privilege that truly works: which capabilities ptimerctl keeps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/capability.h>

#include "cli.h"

/*
 * Whether any of @pids runs under a seccomp filter (or strict mode), from
 * /proc/PID/status alone: ptimer_probe_pid() would compare the memory of
 * every process with it as well.
 */
static bool any_seccomp(const pid_t *pids, int n)
{
	char mode[16];

	for (int i = 0; i < n; i++)
		if (!cli_proc_status(pids[i], "Seccomp", mode, sizeof(mode)) && atoi(mode) > 0)
			return true;
	return false;
}

/*
 * Whether kill(2) from us reaches any of @pids only with CAP_KILL: unless
 * our real or effective uid is its real or saved one (kill_ok_by_cred()).
 * A process whose uids cannot be read counts.
 */
static bool any_needs_cap_kill(const pid_t *pids, int n)
{
	uid_t uid = getuid(), euid = geteuid();
	unsigned long real, saved, eff;
	char ids[64];

	for (int i = 0; i < n; i++) {
		if (cli_proc_status(pids[i], "Uid", ids, sizeof(ids)) ||
		    sscanf(ids, "%lu %lu %lu", &real, &eff, &saved) != 3)
			return true;
		if (real != uid && real != euid && saved != uid && saved != euid)
			return true;
	}
	return false;
}

/*
 * What the kernel checks for what ptimerctl does to a process of another
 * user: PTRACE_SEIZE, process_vm_readv/writev and ptrace's peek and poke
 * all take the ptrace attach check, which CAP_SYS_PTRACE passes; /proc/PID
 * files such as maps and exe take the read check, which it passes too.
 * /proc/PID/mem, which also takes file permission, is only a shortcut
 * where it opens (a process of our own user): ptrace's poke writes the
 * same words without it, so neither CAP_DAC_OVERRIDE nor anything else
 * is needed.  CAP_KILL is kept, for a process of another user, for the
 * one signal ptimerctl sends a target itself: a SIGSTOP our code took for
 * the program, sent again as the process is let go (lib/seize.c), which
 * kill(2) delivers there only with it; dropped, that SIGSTOP was lost, and
 * the process never stopped.  CAP_SYS_ADMIN is kept only to suspend a
 * target's seccomp filter (PTRACE_O_SUSPEND_SECCOMP).
 */
int cli_drop_capabilities(const pid_t *pids, int npids, bool keep_seccomp,
			  unsigned int *seccomp_flags)
{
	cap_value_t keep[3];
	cap_flag_value_t have_ptrace, have_kill, have_admin;
	int nkeep = 0, ret = 0;
	cap_t caps;

	*seccomp_flags = keep_seccomp ? PTIMER_DUMP_KEEP_SECCOMP : 0;
	caps = cap_get_proc();
	if (!caps)
		return -errno;
	if (cap_get_flag(caps, CAP_SYS_PTRACE, CAP_PERMITTED, &have_ptrace) < 0 ||
	    cap_get_flag(caps, CAP_KILL, CAP_PERMITTED, &have_kill) < 0 ||
	    cap_get_flag(caps, CAP_SYS_ADMIN, CAP_PERMITTED, &have_admin) < 0) {
		ret = -errno;
		goto free_caps;
	}
	if (have_ptrace == CAP_SET)
		keep[nkeep++] = CAP_SYS_PTRACE;
	if (have_kill == CAP_SET && any_needs_cap_kill(pids, npids))
		keep[nkeep++] = CAP_KILL;
	/* Without it the library refuses a filtered target (PTIMER_ERR_SECCOMP). */
	if (have_admin == CAP_SET && !keep_seccomp && any_seccomp(pids, npids)) {
		keep[nkeep++] = CAP_SYS_ADMIN;
		*seccomp_flags = PTIMER_DUMP_SUSPEND_SECCOMP;
	}
	cap_clear(caps);
	if (nkeep && (cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) < 0 ||
		      cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET) < 0)) {
		ret = -errno;
		goto free_caps;
	}
	if (cap_set_proc(caps) < 0)
		ret = -errno;
free_caps:
	cap_free(caps);
	return ret;
}
