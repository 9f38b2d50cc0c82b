// SPDX-License-Identifier: GPL-2.0-or-later
/* Feature and permission probes for `ptimerctl check`; none attaches. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"
#include "target.h"

int ptimer_probe_kernel(struct ptimer_kernel_probe *probe)
{
	struct utsname u;
	int r;

	memset(probe, 0, sizeof(*probe));
	if (uname(&u) == 0) {
		snprintf(probe->release, sizeof(probe->release), "%s", u.release);
		snprintf(probe->machine, sizeof(probe->machine), "%s", u.machine);
	}
	probe->proc_timers = access("/proc/self/timers", R_OK) == 0;
	/* GET changes nothing; a kernel without the prctl answers EINVAL. */
	r = prctl(PTIMER_PR_TIMER_CREATE_RESTORE_IDS, PTIMER_PR_RESTORE_IDS_GET, 0, 0, 0);
	probe->restore_ids = r == 0 || r == 1;
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

int ptimer_probe_pid(struct ptimer_ctx *ctx, pid_t pid, struct ptimer_pid_probe *probe)
{
	struct target t;
	pid_t *tids;
	char *text;
	int fd, ret;

	memset(probe, 0, sizeof(*probe));
	probe->seccomp = -1;
	ret = target_open(ctx, pid, &t);
	probe->open_error = ret;
	if (t.dirfd < 0) {
		/* target_open refused; still say what we can about the process. */
		if (procfs_open(pid, &t.dirfd))
			return ret;
		procfs_read_status(t.dirfd, &t.status);
	}
	snprintf(probe->comm, sizeof(probe->comm), "%s", t.status.comm);
	probe->state = t.status.state;
	probe->tracer_pid = t.status.tracer_pid;
	probe->seccomp = t.status.seccomp;
	/* Opening mem takes the same PTRACE_MODE_ATTACH check as attaching. */
	fd = openat(t.dirfd, "mem", O_RDONLY | O_CLOEXEC);
	probe->may_trace = fd >= 0;
	if (fd >= 0)
		close(fd);
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
