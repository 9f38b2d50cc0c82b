// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * blocker: one thread blocked in a chosen system call, for telling which
 * calls a dump makes fail with EINTR.
 *
 *   blocker --call NAME [--in main|thread] [--ignore SIG] [--catch SIG]
 *           [--block SIG] [--seccomp 1]
 *
 * It speaks the victim protocol of tests/integration/harness.h: the first
 * line is "READY <pid> tid=<blocked thread> nr=<syscall number>", then it
 * answers one-line commands on stdin:
 *   info   INFO tid=<blocked thread> nr=<syscall number>
 *   count  COUNT eintr=<EINTRs seen> issued=<calls made> bare=<...> lost=<...>
 *   wake   (no answer) make the call succeed; the blocked thread then
 *          prints "WOKE call=... rc=... errno=... eintr=... ok=0|1 bare=... lost=..."
 *   ping   PONG
 *   exit   exit at once
 * Like a careful program, the blocked thread counts an EINTR and issues
 * the same call again (with its whole timeout), until woken.  The call is
 * made with syscall(2), so its number is the one named in READY.
 *
 * --in main blocks the main thread, the one ptimerctl injects into; --in
 * thread blocks a second thread while the main thread reads the commands.
 * Every thread blocks SIGUSR1 and SIGUSR2, and only "wake" sends them.
 *
 * --ignore sets signal number SIG to SIG_IGN, as a program that ignores
 * SIGHUP or SIGPIPE does; --catch gives it a handler that counts its runs
 * in the thread it runs in, without SA_RESTART.  Every other signal keeps
 * its default action: a SIGCHLD, SIGCONT, SIGURG or SIGWINCH is ignored
 * by default.  --block blocks SIG in every thread, as a careful program
 * blocks the signal it waits for outside the one call that unblocks it
 * (epoll_pwait's mask unblocks every signal).  --seccomp 1 confines the
 * blocked thread, just before its first call, to an allowlist of the calls
 * it makes (SECCOMP_RET_KILL_PROCESS for any other), as a sandboxed
 * service's threads are.
 *
 * The blocked thread tells a signal's EINTR from a stop's: bare counts
 * the EINTRs that came with no run of the --catch handler in that thread
 * during the call, lost the calls during which the handler ran in that
 * thread and that did not fail with EINTR (the kernel always ends such a
 * wait with EINTR: the handler ran without the EINTR it owed).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "sysnr.h"
#include "vcommon.h"

#define LONG_TIMEOUT_S	60	/* "finite", but never reached by a test */
#define KSIGSET_SIZE	8	/* the kernel's sigset_t */

/* What the woken call must return. */
enum want {
	WANT_RC,		/* exactly want_rc */
	WANT_NON_NEGATIVE,	/* a file descriptor */
	WANT_POSITIVE,		/* a pid */
	WANT_EINTR_SAME_MASK,	/* -1 EINTR from our wake handler, mask as before */
};

struct call {
	const char *name;
	long nr;
	void (*setup)(void);
	long (*issue)(void);
	void (*wake)(void);
	enum want want;
	long want_rc;
};

static const struct call *call;
static pid_t blocked_tid;
static atomic_uint eintr_count, issued, bare_eintr, lost_eintr;
/* Runs of the --catch handler in this thread. */
static __thread volatile sig_atomic_t caught_here;
static atomic_int woken;

/* The resources the calls block on. */
static int pipe_fd[2] = { -1, -1 };
static int sock_fd[2] = { -1, -1 };
static int epfd = -1, sfd = -1, ring_fd = -1, lock_fd[2] = { -1, -1 };
static int semid = -1, msqid = -1;
static mqd_t mqd = (mqd_t)-1;
static aio_context_t aio_ctx;
static struct iocb aio_cb;
static pid_t child = -1;
static struct sockaddr_un listen_addr;
static uint64_t mask_before;

static struct timespec long_ts(void)
{
	return (struct timespec){ LONG_TIMEOUT_S, 0 };
}

static void write_byte(int fd)
{
	if (write(fd, "w", 1) != 1)
		vp_die(errno, "write");
}

static void tkill_blocked(int sig)
{
	if (syscall(SYS_tgkill, getpid(), blocked_tid, sig) < 0)
		vp_die(errno, "tgkill");
}

static uint64_t current_mask(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, KSIGSET_SIZE);
	return m;
}

/* ---- set-ups ---- */

static void setup_pipe(void)
{
	if (pipe2(pipe_fd, O_CLOEXEC) < 0)
		vp_die(errno, "pipe2");
}

static void setup_socket(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock_fd) < 0)
		vp_die(errno, "socketpair");
}

static void setup_socket_rcvtimeo(void)
{
	struct timeval tv = { LONG_TIMEOUT_S, 0 };

	setup_socket();
	if (setsockopt(sock_fd[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		vp_die(errno, "SO_RCVTIMEO");
}

static void setup_listen(void)
{
	listen_addr.sun_family = AF_UNIX;
	/* An abstract name: nothing to remove when we are killed. */
	snprintf(listen_addr.sun_path + 1, sizeof(listen_addr.sun_path) - 1,
		 "ptimer-blocker-%d", (int)getpid());
	sock_fd[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock_fd[0] < 0 || bind(sock_fd[0], (struct sockaddr *)&listen_addr,
				   sizeof(listen_addr)) < 0 || listen(sock_fd[0], 1) < 0)
		vp_die(errno, "listening socket");
}

static void setup_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	setup_pipe();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, pipe_fd[0], &ev) < 0)
		vp_die(errno, "epoll");
}

/*
 * SysV objects outlive a killed process: a child removes them once our
 * end of a pipe closes, however we die.
 */
static void remove_ipc_at_exit(void)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		vp_die(errno, "pipe");
	pid = fork();
	if (pid < 0)
		vp_die(errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		if (semid >= 0)
			semctl(semid, 0, IPC_RMID);
		if (msqid >= 0)
			msgctl(msqid, IPC_RMID, NULL);
		_exit(0);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
}

static void setup_sem(void)
{
	semid = semget(IPC_PRIVATE, 1, 0600);
	if (semid < 0)
		vp_die(errno, "semget");
	remove_ipc_at_exit();
}

static void setup_msg(void)
{
	msqid = msgget(IPC_PRIVATE, 0600);
	if (msqid < 0)
		vp_die(errno, "msgget");
	remove_ipc_at_exit();
}

static void setup_mq(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 16 };
	char name[64];

	snprintf(name, sizeof(name), "/ptimer-blocker-%d", (int)getpid());
	mqd = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
	if (mqd == (mqd_t)-1)
		vp_die(errno, "mq_open");
	mq_unlink(name);
}

/* An aio poll on the pipe: "wake" writes to the pipe to complete it. */
static void setup_aio(void)
{
	struct iocb *cbs[1] = { &aio_cb };

	setup_pipe();
	if (syscall(SYS_io_setup, 1, &aio_ctx) < 0)
		vp_die(errno, "io_setup");
	aio_cb.aio_fildes = (uint32_t)pipe_fd[0];
	aio_cb.aio_lio_opcode = IOCB_CMD_POLL;
	aio_cb.aio_buf = POLLIN;
	if (syscall(SYS_io_submit, aio_ctx, 1, cbs) != 1)
		vp_die(errno, "io_submit");
}

/* The same with io_uring: a poll request submitted now, waited for later. */
static void setup_uring(void)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	unsigned int *tail, *mask, *array, idx;
	char *sq;

	setup_pipe();
	ring_fd = (int)syscall(SYS_io_uring_setup, 1, &p);
	if (ring_fd < 0)
		vp_die(errno, "io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd,
		  IORING_OFF_SQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqes == MAP_FAILED)
		vp_die(errno, "io_uring mmap");
	tail = (unsigned int *)(sq + p.sq_off.tail);
	mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	array = (unsigned int *)(sq + p.sq_off.array);
	idx = *tail & *mask;
	memset(&sqes[idx], 0, sizeof(sqes[idx]));
	sqes[idx].opcode = IORING_OP_POLL_ADD;
	sqes[idx].fd = pipe_fd[0];
	sqes[idx].poll32_events = POLLIN;
	array[idx] = idx;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring_fd, 1, 0, 0, NULL, 0) != 1)
		vp_die(errno, "io_uring_enter (submit)");
}

static void setup_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		vp_die(errno, "signalfd");
}

/* Two open file descriptions of one file; the first holds the lock. */
static void setup_locked_file(void)
{
	char path[64];

	lock_fd[0] = memfd_create("ptimer-blocker", MFD_CLOEXEC);
	if (lock_fd[0] < 0)
		vp_die(errno, "memfd_create");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", lock_fd[0]);
	lock_fd[1] = open(path, O_RDWR | O_CLOEXEC);
	if (lock_fd[1] < 0)
		vp_die(errno, "reopen");
}

static void setup_flock(void)
{
	setup_locked_file();
	if (flock(lock_fd[0], LOCK_EX) < 0)
		vp_die(errno, "flock");
}

static struct flock whole_file(short type)
{
	return (struct flock){ .l_type = type, .l_whence = SEEK_SET };
}

static void setup_ofd_lock(void)
{
	struct flock fl = whole_file(F_WRLCK);

	setup_locked_file();
	if (fcntl(lock_fd[0], F_OFD_SETLK, &fl) < 0)
		vp_die(errno, "F_OFD_SETLK");
}

static void setup_child(void)
{
	pid_t parent = getpid();

	child = fork();
	if (child < 0)
		vp_die(errno, "fork");
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
}

static void setup_sigsuspend(void)
{
	mask_before = current_mask();
}

/* ---- the calls ---- */

static long issue_semop(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = -1 };

	return syscall(SYS_semop, semid, &op, 1);
}

static long issue_semtimedop(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = -1 };

	return syscall(SYS_semtimedop, semid, &op, 1, NULL);
}

static long issue_semtimedop_timeout(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = -1 };
	struct timespec ts = long_ts();

	return syscall(SYS_semtimedop, semid, &op, 1, &ts);
}

static long issue_io_getevents(void)
{
	struct io_event ev;

	return syscall(SYS_io_getevents, aio_ctx, 1, 1, &ev, NULL);
}

static long issue_io_getevents_timeout(void)
{
	struct io_event ev;
	struct timespec ts = long_ts();

	return syscall(SYS_io_getevents, aio_ctx, 1, 1, &ev, &ts);
}

static long issue_io_pgetevents(void)
{
	struct io_event ev;

	return syscall(SYS_io_pgetevents, aio_ctx, 1, 1, &ev, NULL, NULL);
}

static long issue_io_uring_enter(void)
{
	return syscall(SYS_io_uring_enter, ring_fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
}

static long issue_io_uring_enter_timeout(void)
{
	struct timespec ts = long_ts();
	struct io_uring_getevents_arg arg = { .ts = (uint64_t)(uintptr_t)&ts };

	return syscall(SYS_io_uring_enter, ring_fd, 0, 1,
		       IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
}

static long issue_epoll_wait_timeout(void)
{
	struct epoll_event ev;

	/* epoll_pwait without a mask where there is no epoll_wait (sysnr.h) */
	if (SYSNR_EPOLL_WAIT == SYS_epoll_pwait)
		return syscall(SYS_epoll_pwait, epfd, &ev, 1, LONG_TIMEOUT_S * 1000, NULL, 0);
	return syscall(SYSNR_EPOLL_WAIT, epfd, &ev, 1, LONG_TIMEOUT_S * 1000);
}

static long issue_epoll_pwait(void)
{
	uint64_t none = 0;
	struct epoll_event ev;

	return syscall(SYS_epoll_pwait, epfd, &ev, 1, -1, &none, KSIGSET_SIZE);
}

static long issue_sigtimedwait_timeout(void)
{
	uint64_t set = 1ULL << (SIGUSR1 - 1);
	struct timespec ts = long_ts();

	return syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, KSIGSET_SIZE);
}

static long issue_recv(void)
{
	char c;

	return syscall(SYS_recvfrom, sock_fd[0], &c, 1, 0, NULL, NULL);
}

static long issue_accept(void)
{
	return syscall(SYS_accept4, sock_fd[0], NULL, NULL, SOCK_CLOEXEC);
}

static long issue_poll_timeout(void)
{
	struct pollfd p = { .fd = pipe_fd[0], .events = POLLIN };

	struct timespec ts = long_ts();

	/* ppoll with the same timeout where there is no poll (sysnr.h) */
	if (SYSNR_POLL == SYS_ppoll)
		return syscall(SYS_ppoll, &p, 1, &ts, NULL, 0);
	return syscall(SYSNR_POLL, &p, 1, LONG_TIMEOUT_S * 1000);
}

static long issue_ppoll(void)
{
	struct pollfd p = { .fd = pipe_fd[0], .events = POLLIN };
	uint64_t none = 0;

	return syscall(SYS_ppoll, &p, 1, NULL, &none, KSIGSET_SIZE);
}

static long issue_pselect(void)
{
	fd_set r;

	FD_ZERO(&r);
	FD_SET(pipe_fd[0], &r);
	return syscall(SYS_pselect6, pipe_fd[0] + 1, &r, NULL, NULL, NULL, NULL);
}

static long issue_sigsuspend(void)
{
	uint64_t m = mask_before & ~(1ULL << (SIGUSR2 - 1));

	return syscall(SYS_rt_sigsuspend, &m, KSIGSET_SIZE);
}

static long issue_msgrcv(void)
{
	struct { long type; char text[16]; } m;

	return syscall(SYS_msgrcv, msqid, &m, sizeof(m.text), 0, 0);
}

static long issue_mq_receive(void)
{
	char buf[16];

	return syscall(SYS_mq_timedreceive, mqd, buf, sizeof(buf), NULL, NULL);
}

static long issue_flock(void)
{
	return syscall(SYS_flock, lock_fd[1], LOCK_EX);
}

static long issue_ofd_setlkw(void)
{
	struct flock fl = whole_file(F_WRLCK);

	return syscall(SYS_fcntl, lock_fd[1], F_OFD_SETLKW, &fl);
}

static long issue_read_signalfd(void)
{
	struct signalfd_siginfo si;

	return syscall(SYS_read, sfd, &si, sizeof(si));
}

static long issue_wait4(void)
{
	int status;

	return syscall(SYS_wait4, child, &status, 0, NULL);
}

/* ---- wakes ---- */

static void wake_pipe(void)
{
	write_byte(pipe_fd[1]);
}

static void wake_socket(void)
{
	write_byte(sock_fd[1]);
}

static void wake_connect(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0)
		vp_die(errno, "connect");
}

static void wake_sem(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1 };

	if (semop(semid, &op, 1) < 0)
		vp_die(errno, "semop +1");
}

static void wake_msg(void)
{
	struct { long type; char text[1]; } m = { 1, { 'w' } };

	if (msgsnd(msqid, &m, sizeof(m.text), 0) < 0)
		vp_die(errno, "msgsnd");
}

static void wake_mq(void)
{
	if (mq_send(mqd, "w", 1, 0) < 0)
		vp_die(errno, "mq_send");
}

static void wake_sigusr1(void)
{
	tkill_blocked(SIGUSR1);
}

static void wake_sigusr2(void)
{
	tkill_blocked(SIGUSR2);
}

static void wake_flock(void)
{
	if (flock(lock_fd[0], LOCK_UN) < 0)
		vp_die(errno, "flock LOCK_UN");
}

static void wake_ofd_lock(void)
{
	struct flock fl = whole_file(F_UNLCK);

	if (fcntl(lock_fd[0], F_OFD_SETLK, &fl) < 0)
		vp_die(errno, "F_OFD_SETLK F_UNLCK");
}

static void wake_child(void)
{
	kill(child, SIGKILL);
}

static const struct call calls[] = {
	/* -EINTR, re-issued by ptimerctl when there is no timeout */
	{ "semop", SYS_semop, setup_sem, issue_semop, wake_sem, WANT_RC, 0 },
	{ "semtimedop", SYS_semtimedop, setup_sem, issue_semtimedop, wake_sem, WANT_RC, 0 },
	{ "io_getevents", SYS_io_getevents, setup_aio, issue_io_getevents, wake_pipe,
	  WANT_RC, 1 },
	{ "io_uring_enter", SYS_io_uring_enter, setup_uring, issue_io_uring_enter,
	  wake_pipe, WANT_RC, 0 },
	{ "epoll_pwait", SYS_epoll_pwait, setup_epoll, issue_epoll_pwait, wake_pipe,
	  WANT_RC, 1 },
	/* -EINTR with a relative timeout: left as it is */
	{ "semtimedop_timeout", SYS_semtimedop, setup_sem, issue_semtimedop_timeout,
	  wake_sem, WANT_RC, 0 },
	{ "io_getevents_timeout", SYS_io_getevents, setup_aio, issue_io_getevents_timeout,
	  wake_pipe, WANT_RC, 1 },
	{ "io_uring_enter_timeout", SYS_io_uring_enter, setup_uring,
	  issue_io_uring_enter_timeout, wake_pipe, WANT_RC, 0 },
	{ "epoll_wait_timeout", SYSNR_EPOLL_WAIT, setup_epoll, issue_epoll_wait_timeout,
	  wake_pipe, WANT_RC, 1 },
	{ "sigtimedwait_timeout", SYS_rt_sigtimedwait, NULL, issue_sigtimedwait_timeout,
	  wake_sigusr1, WANT_RC, SIGUSR1 },
	{ "recv_rcvtimeo", SYS_recvfrom, setup_socket_rcvtimeo, issue_recv, wake_socket,
	  WANT_RC, 1 },
	/* a restart code: the kernel issues the call again by itself */
	{ "recv", SYS_recvfrom, setup_socket, issue_recv, wake_socket, WANT_RC, 1 },
	{ "accept", SYS_accept4, setup_listen, issue_accept, wake_connect,
	  WANT_NON_NEGATIVE, 0 },
	{ "poll_timeout", SYSNR_POLL, setup_pipe, issue_poll_timeout, wake_pipe, WANT_RC, 1 },
	{ "ppoll", SYS_ppoll, setup_pipe, issue_ppoll, wake_pipe, WANT_RC, 1 },
	{ "pselect", SYS_pselect6, setup_pipe, issue_pselect, wake_pipe, WANT_RC, 1 },
	{ "sigsuspend", SYS_rt_sigsuspend, setup_sigsuspend, issue_sigsuspend, wake_sigusr2,
	  WANT_EINTR_SAME_MASK, -1 },
	{ "msgrcv", SYS_msgrcv, setup_msg, issue_msgrcv, wake_msg, WANT_RC, 1 },
	{ "mq_receive", SYS_mq_timedreceive, setup_mq, issue_mq_receive, wake_mq, WANT_RC, 1 },
	{ "io_pgetevents", SYS_io_pgetevents, setup_aio, issue_io_pgetevents, wake_pipe,
	  WANT_RC, 1 },
	{ "flock", SYS_flock, setup_flock, issue_flock, wake_flock, WANT_RC, 0 },
	{ "ofd_setlkw", SYS_fcntl, setup_ofd_lock, issue_ofd_setlkw, wake_ofd_lock,
	  WANT_RC, 0 },
	{ "read_signalfd", SYS_read, setup_signalfd, issue_read_signalfd, wake_sigusr1,
	  WANT_RC, sizeof(struct signalfd_siginfo) },
	{ "wait4", SYS_wait4, setup_child, issue_wait4, wake_child, WANT_POSITIVE, 0 },
};

static bool result_ok(long rc, int err)
{
	switch (call->want) {
	case WANT_RC:
		return rc == call->want_rc;
	case WANT_NON_NEGATIVE:
		return rc >= 0;
	case WANT_POSITIVE:
		return rc > 0;
	case WANT_EINTR_SAME_MASK:
		return rc == -1 && err == EINTR && current_mask() == mask_before;
	}
	return false;
}

static bool confined;

/* What the blocked thread calls from its first call on, and nothing else. */
static void confine(void)
{
	const int allowed[] = {
		(int)call->nr, SYS_restart_syscall, SYS_rt_sigreturn, SYS_rt_sigprocmask,
		SYS_write, SYS_futex, SYS_exit, SYS_exit_group, SYS_gettid,
	};

	vp_allow_only(allowed, sizeof(allowed) / sizeof(allowed[0]), SECCOMP_RET_KILL_PROCESS);
}

/* Once woken: wait for ever, in a call the allowlist has. */
static void rest(void)
{
	static int forever;

	for (;;)
		syscall(SYS_futex, &forever, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void block_loop(void)
{
	long rc;
	int err;

	if (confined)
		confine();

	for (;;) {
		sig_atomic_t caught_before = caught_here;
		bool caught;

		atomic_fetch_add(&issued, 1);
		rc = call->issue();
		err = rc < 0 ? errno : 0;
		caught = caught_here != caught_before;
		if (rc < 0 && err == EINTR && !caught)
			atomic_fetch_add(&bare_eintr, 1);
		if (!(rc < 0 && err == EINTR) && caught)
			atomic_fetch_add(&lost_eintr, 1);
		if (atomic_load(&woken))
			break;
		if (rc < 0 && err == EINTR) {
			atomic_fetch_add(&eintr_count, 1);
			continue;
		}
		break;
	}
	vp_out("WOKE call=%s rc=%ld errno=%d eintr=%u ok=%d bare=%u lost=%u", call->name, rc, err,
	       atomic_load(&eintr_count), result_ok(rc, err), atomic_load(&bare_eintr),
	       atomic_load(&lost_eintr));
}

static bool handle(char *cmd)
{
	if (!strcmp(cmd, "info")) {
		vp_out("INFO tid=%d nr=%ld", (int)blocked_tid, call->nr);
	} else if (!strcmp(cmd, "count")) {
		vp_out("COUNT eintr=%u issued=%u bare=%u lost=%u", atomic_load(&eintr_count),
		       atomic_load(&issued), atomic_load(&bare_eintr), atomic_load(&lost_eintr));
	} else if (!strcmp(cmd, "wake")) {
		atomic_store(&woken, 1);
		call->wake();
	} else {
		return false;
	}
	return true;
}

static atomic_int thread_tid;

static void *blocked_thread(void *arg)
{
	atomic_store(&thread_tid, vp_gettid());
	block_loop();
	rest();
	return NULL;
}

/* Answer commands until "exit" or until our driver goes away. */
static void *control_thread(void *arg)
{
	vp_read_commands(handle);
	_exit(0);
}

static void on_sigusr2(int sig)
{
}

static void on_caught(int sig)
{
	caught_here = caught_here + 1;
}

__attribute__((noreturn))
static void usage(void)
{
	fputs("usage: blocker --call NAME [--in main|thread] [--ignore SIG] [--catch SIG]"
	      " [--block SIG] [--seccomp 1]\n"
	      "calls:", stderr);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		fprintf(stderr, " %s", calls[i].name);
	fputc('\n', stderr);
	exit(2);
}

/* A signal number for --ignore or --catch. */
static int parse_sig(const char *arg)
{
	char *end;
	long sig;

	errno = 0;
	sig = strtol(arg, &end, 10);
	if (errno || end == arg || *end || sig < 1 || sig >= NSIG || sig == SIGKILL ||
	    sig == SIGSTOP)
		usage();
	return (int)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigusr2 };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction caught = { .sa_handler = on_caught };
	int ignore_sig = 0, catch_sig = 0, block_sig = 0;
	bool in_main = true;
	pthread_t th;
	sigset_t set;
	int r;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--call")) {
			for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
				if (!strcmp(argv[i + 1], calls[k].name))
					call = &calls[k];
		} else if (!strcmp(argv[i], "--in")) {
			in_main = !strcmp(argv[i + 1], "main");
		} else if (!strcmp(argv[i], "--ignore")) {
			ignore_sig = parse_sig(argv[i + 1]);
		} else if (!strcmp(argv[i], "--catch")) {
			catch_sig = parse_sig(argv[i + 1]);
		} else if (!strcmp(argv[i], "--block")) {
			block_sig = parse_sig(argv[i + 1]);
		} else if (!strcmp(argv[i], "--seccomp")) {
			confined = !strcmp(argv[i + 1], "1");
		} else {
			usage();
		}
	}
	if (!call || argc % 2 == 0)
		usage();
	/* Inherited by every thread: the signals only "wake" sends. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (block_sig)
		sigaddset(&set, block_sig);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	if (ignore_sig && sigaction(ignore_sig, &ign, NULL) < 0)
		vp_die(errno, "sigaction %d SIG_IGN", ignore_sig);
	if (catch_sig && sigaction(catch_sig, &caught, NULL) < 0)
		vp_die(errno, "sigaction %d", catch_sig);
	if (call->setup)
		call->setup();
	if (in_main) {
		blocked_tid = getpid();
		r = pthread_create(&th, NULL, control_thread, NULL);
		if (r)
			vp_die(r, "pthread_create");
		vp_out("READY %d tid=%d nr=%ld", (int)getpid(), (int)blocked_tid, call->nr);
		block_loop();
		rest();
	}
	vp_start_thread(blocked_thread, &thread_tid);
	blocked_tid = atomic_load(&thread_tid);
	vp_out("READY %d tid=%d nr=%ld", (int)getpid(), (int)blocked_tid, call->nr);
	control_thread(NULL);
}
