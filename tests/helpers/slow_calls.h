/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * A target that is slow in the same way everywhere: every call of a few
 * chosen system calls, by any thread, waits a fixed time for a
 * supervisor process (a seccomp user notification, answered with
 * "continue"), so that injected code runs past a short --timeout on any
 * CPU, as under TCG, and evenly, unlike a starved thread's bursts of a
 * few milliseconds a second.  The supervisor is forked before the filter,
 * so it runs free of it, and outside the thread group ptimerctl stops.
 *
 * Install before any thread starts, or rely on TSYNC.
 */
#ifndef PTIMER_TEST_SLOW_CALLS_H
#define PTIMER_TEST_SLOW_CALLS_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "audit_arch.h"

#define SLOW_CALLS_MAX	8

struct slow_call {
	long nr;	/* the system call */
	long wait_us;	/* what each call of it waits, under a second */
};

/*
 * CALL=USEC, as a test names a call to slow: 0, or -1 for an unknown
 * call or a wait not under a second.
 */
static inline int slow_calls_parse(const char *arg, struct slow_call *out)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {
		{ "getitimer", SYS_getitimer },
		{ "setitimer", SYS_setitimer },
		{ "timerfd_create", SYS_timerfd_create },
		{ "timerfd_settime", SYS_timerfd_settime },
		{ "dup3", SYS_dup3 },
		{ "close", SYS_close },
		{ "fcntl", SYS_fcntl },
		{ "rt_sigqueueinfo", SYS_rt_sigqueueinfo },
		{ "rt_tgsigqueueinfo", SYS_rt_tgsigqueueinfo },
		{ "mmap", SYS_mmap },
		{ "munmap", SYS_munmap },
	};
	const char *eq = strchr(arg, '=');
	char *end;
	long us;

	if (!eq)
		return -1;
	us = strtol(eq + 1, &end, 10);
	if (*end || end == eq + 1 || us < 0 || us >= 1000000)
		return -1;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (strlen(calls[i].name) == (size_t)(eq - arg) &&
		    !strncmp(calls[i].name, arg, (size_t)(eq - arg))) {
			*out = (struct slow_call){ calls[i].nr, us };
			return 0;
		}
	}
	return -1;
}

/*
 * The supervisor: answers each notification, once the call's wait has
 * passed, by letting the call run.  It dies with the victim
 * (PR_SET_PDEATHSIG), or when the filter has no task left.
 */
__attribute__((noreturn))
static inline void slow_calls_supervise(int listener, const struct slow_call *calls, size_t n)
{
	/* Sleeps of exactly the wait, not of it plus the default 50 us slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		struct timespec wait = { 0 };

		memset(&req, 0, sizeof(req));
		/*
		 * ENOENT: the call was interrupted (a tracer's stop) before
		 * we took it up; it will ask again.  Any other error: the
		 * filter has no task left.
		 */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(0);
		}
		for (size_t i = 0; i < n; i++)
			if (req.data.nr == calls[i].nr)
				wait.tv_nsec = 1000 * calls[i].wait_us;
		if (wait.tv_nsec)
			nanosleep(&wait, NULL);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		/* ENOENT: the call was interrupted meanwhile; it will ask again. */
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static inline int slow_calls_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static inline int slow_calls_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * Every call in @calls[0..@n) waits its time, from here on.  0, or an
 * errno value with *@what the step that failed.
 */
static inline int slow_calls_install(const struct slow_call *calls, size_t n,
				     const char **what)
{
	struct sock_filter filter[SLOW_CALLS_MAX + 5];
	struct sock_fprog prog = { .filter = filter };
	pid_t parent = getpid(), pid;
	int sv[2], listener;
	size_t k = 0;

	*what = "too many slowed calls";
	if (n > SLOW_CALLS_MAX)
		return E2BIG;
	/* arch; nr; one test per call, to the notification; allow; notify */
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, arch));
	filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VP_AUDIT_ARCH, 0,
						   (unsigned char)(n + 1));
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++)
		filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							   (unsigned int)calls[i].nr,
							   (unsigned char)(n - i), 0);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	prog.len = (unsigned short)k;

	*what = "socketpair";
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return errno;
	*what = "fork";
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		close(sv[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(0);
		listener = slow_calls_recv_fd(sv[1]);
		if (listener < 0)
			_exit(0);
		slow_calls_supervise(listener, calls, n);
	}
	close(sv[1]);
	*what = "PR_SET_NO_NEW_PRIVS";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errno;
	/*
	 * TSYNC_ESRCH: TSYNC may then come with a listener (Linux 5.7).
	 * WAIT_KILLABLE_RECV (Linux 5.19): a call the supervisor has taken
	 * up is not interrupted by a stop but runs to its end, and the
	 * thread stops on its way back, before its caller sees the result:
	 * a tracer stopping injected code then finds that call done.
	 */
	*what = "seccomp";
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
				SECCOMP_FILTER_FLAG_NEW_LISTENER |
				SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (listener < 0)
		return errno;
	*what = "sendmsg";
	if (slow_calls_send_fd(sv[0], listener))
		return errno;
	close(listener);
	close(sv[0]);
	return 0;
}

#endif
