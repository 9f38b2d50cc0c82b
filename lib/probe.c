// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Feature and permission probes for `ptimerctl check`; none attaches. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"
#include "target.h"
#include "abi.h"

int ptimer_probe_kernel(struct ptimer_kernel_probe *out)
{
	struct ptimer_kernel_probe k = { .size = sizeof(k) }, *probe = &k;
	struct utsname u;
	int r;

	r = abi_check_out(NULL, "struct ptimer_kernel_probe", out, PTIMER_KERNEL_PROBE_SIZE_VER0);
	if (r || !out)
		return r ? r : -EINVAL;
	if (uname(&u) == 0) {
		snprintf(probe->release, sizeof(probe->release), "%s", u.release);
		snprintf(probe->machine, sizeof(probe->machine), "%s", u.machine);
	}
	probe->proc_timers = access("/proc/self/timers", R_OK) == 0;
	/* GET changes nothing; a kernel without the prctl answers EINVAL. */
	r = prctl(PTIMER_PR_TIMER_CREATE_RESTORE_IDS, PTIMER_PR_RESTORE_IDS_GET, 0, 0, 0);
	probe->restore_ids = r == 0 || r == 1;
	abi_copy_out(out, probe, sizeof(*probe));
	return 0;
}

static size_t count_records(const char *text)
{
	size_t n = !strncmp(text, "ID: ", 4);

	/* "ClockID: " contains "ID: " too; a record starts on a line of its own. */
	for (const char *p = text; (p = strstr(p, "\nID: ")); p += 5)
		n++;
	return n;
}

/*
 * Reading a byte of the process with process_vm_readv() takes the very
 * check (PTRACE_MODE_ATTACH_REALCREDS, Yama included) that PTRACE_SEIZE
 * and our injection's memory access take, with the privileges we hold
 * now; any readable mapping will do.
 */
static bool may_attach(int dirfd, pid_t pid)
{
	unsigned long long start, end;
	char *maps, *line, *save, perms[5], name[48];
	bool may = false;

	/* A thread's own maps: a zombie leader has none left. */
	snprintf(name, sizeof(name), "task/%d/maps", pid);
	if (procfs_read(dirfd, name, &maps, NULL))
		return false;
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char byte;
		struct iovec local = { .iov_base = &byte, .iov_len = 1 };
		struct iovec remote = { .iov_len = 1 };

		if (sscanf(line, "%llx-%llx %4s", &start, &end, perms) != 3 || perms[0] != 'r')
			continue;
		remote.iov_base = (void *)(uintptr_t)start;
		may = process_vm_readv(pid, &local, 1, &remote, 1, 0) == 1;
		/* EFAULT: a mapping with nothing behind it ([vvar]); try the next. */
		if (may || errno != EFAULT)
			break;
	}
	free(maps);
	return may;
}

/* The probe of @pid as this library version knows it. */
static int probe_pid(struct ptimer_ctx *ctx, pid_t pid, struct ptimer_pid_probe *probe)
{
	struct target t;
	pid_t *tids;
	char *text;
	int ret;

	ctx_clear_error(ctx);
	memset(probe, 0, sizeof(*probe));
	probe->seccomp = -1;
	ret = target_open(ctx, pid, &t);
	/*
	 * A process sharing its memory now, which a dump refuses once the
	 * target is stopped if it still does (a vfork() child will not).
	 */
	if (!ret)
		ret = target_note_sharers(&t);
	probe->open_error = ret;
	if (t.dirfd < 0) {
		/* target_open refused; still say what we can about the process. */
		if (procfs_open(pid, &t.dirfd))
			return ret;
		procfs_keep_dir(t.dirfd, "task", &t.taskfd);
		procfs_read_status(t.dirfd, &t.status);
	}
	snprintf(probe->comm, sizeof(probe->comm), "%s", t.status.comm);
	probe->state = t.status.state;
	probe->tracer_pid = t.status.tracer_pid;
	probe->seccomp = t.status.seccomp;
	probe->may_trace = may_attach(t.dirfd, target_live_tid(&t));
	if (procfs_read(t.dirfd, "timers", &text, NULL) == 0) {
		probe->timers_readable = true;
		probe->ntimers = count_records(text);
		free(text);
	}
	if (procfs_list_threads(t.dirfd, pid, &tids, &probe->nthreads) == 0)
		free(tids);
	target_close(&t);
	return 0;
}

int ptimer_probe_pid(struct ptimer_ctx *ctx, pid_t pid, struct ptimer_pid_probe *out)
{
	struct ptimer_pid_probe p = { .size = sizeof(p) };
	int ret;

	ret = abi_check_out(ctx, "struct ptimer_pid_probe", out, PTIMER_PID_PROBE_SIZE_VER0);
	if (ret || !out)
		return ret ? ret : -EINVAL;
	ret = probe_pid(ctx, pid, &p);
	abi_copy_out(out, &p, sizeof(p));
	return ret;
}

/*
 * ptimerctl restore checks its target before it reads its input: a
 * restore that cannot be made then exits before it drains a pipe, and
 * the `dump --disarm` writing into it meets EPIPE and re-arms.  The
 * checks are the attach's own (target_open()), nothing attached, but for
 * a tracer: in `dump P | restore --replace P` the dump upstream traces P
 * until it has written, and the restore attaches only once it has read
 * all of that.  The attach judges a tracer then.
 */
int ptimer_private_check_pid(struct ptimer_ctx *ctx, pid_t pid)
{
	struct target t;
	int ret;

	ctx_clear_error(ctx);
	ret = target_open(ctx, pid, &t);
	target_close(&t);
	if (ret == -PTIMER_ERR_TRACED) {
		ctx_clear_error(ctx);
		return 0;
	}
	return ret;
}
