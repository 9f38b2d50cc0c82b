// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A victim for tests/integration/test_kinds_lib.c: a process with an
 * interval timer of each CPU-less kind, two timerfds at fixed fds and two
 * timer signals queued (one to the process, one to its main thread), all
 * blocked; or, with "fresh", the same process shape with none of them, to
 * restore into; "twoalarms", "full" with a second timer whose SIGALRM is
 * queued beside the first's; "threadalarm", "full" with a SIGALRM queued
 * for the main thread too; "latealarm", late_alarm() alone; "soon:MS",
 * soon() alone.  Commands: "drain" takes the queued timer signals and
 * says what came; "tfd" and "itimer" say what the timers hold, read from
 * inside; "close FD" closes FD; "sigpending N" lowers its own
 * RLIMIT_SIGPENDING to N; "deny CALL N" has a seccomp filter refuse
 * one call with EPERM, in every thread (deny()); "armedtimer" makes a
 * POSIX timer with 100 s left and says its id; "idletfd FD" makes a
 * disarmed timerfd at FD; "periodictfd FD MS INT" a monotonic one due in
 * MS ms, then every INT ms; "ticks FD" reads its expirations, 0 for none;
 * "tkill" sends its main thread a SIGALRM, one
 * of no timer, which the thread that ptimerctl injects into then holds;
 * "procalrm" takes and counts the SIGALRMs queued for the process alone.
 *
 * Both hold /dev/null at fd 42.  "crowded" is "full" with CROWD more
 * descriptors, none a timerfd: an eventfd, a signalfd and an epoll fd
 * (anonymous inodes, as a timerfd is), an O_PATH one, a pipe, a socket
 * pair, and /dev/null for the rest; enough that a dump tells them apart
 * in its batch instead of by their /proc links.
 *
 *   kinds_holder full|fresh|crowded|twoalarms|threadalarm|latealarm|soon:MS
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>

#include "audit_arch.h"
#include "vcommon.h"

#define SIG_PROC	37	/* the kernel's SIGRTMIN+5 */
#define SIG_THREAD	38
#define FD_MONO		40
#define FD_REAL		41
#define FD_OTHER	42	/* /dev/null, for a restore to collide with */

static atomic_int helper_tid;

static void *helper(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	atomic_store(&helper_tid, vp_gettid());
	for (;;)
		pause();
	return arg;
}

static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_PROC);
	sigaddset(&set, SIG_THREAD);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGPROF);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		vp_die(errno, "sigprocmask");
}

static void timerfd_at(int fd, clockid_t clock, int tfd_flags, int set_flags, long long value_ns,
		       long long interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / VP_NSEC_PER_SEC, value_ns % VP_NSEC_PER_SEC },
		.it_interval = { interval_ns / VP_NSEC_PER_SEC, interval_ns % VP_NSEC_PER_SEC },
	};
	int made = timerfd_create(clock, tfd_flags);

	if (made < 0 || dup3(made, fd, tfd_flags & TFD_CLOEXEC) < 0)
		vp_die(errno, "timerfd at %d", fd);
	close(made);
	if (set_flags & TFD_TIMER_ABSTIME) {
		struct timespec now;

		clock_gettime(clock, &now);
		its.it_value.tv_sec += now.tv_sec;
		its.it_value.tv_nsec += now.tv_nsec;
		if (its.it_value.tv_nsec >= VP_NSEC_PER_SEC) {
			its.it_value.tv_sec++;
			its.it_value.tv_nsec -= VP_NSEC_PER_SEC;
		}
	}
	if (timerfd_settime(fd, set_flags, &its, NULL))
		vp_die(errno, "timerfd_settime %d", fd);
}

static bool pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig);
}

static void make_all(void)
{
	struct itimerval real = { .it_value = { 100, 0 }, .it_interval = { 1, 0 } };
	struct itimerval prof = { .it_value = { 50, 0 } };

	if (setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_PROF, &prof, NULL))
		vp_die(errno, "setitimer");
	timerfd_at(FD_MONO, CLOCK_MONOTONIC, TFD_NONBLOCK, 0, 1000000, 1000000);
	timerfd_at(FD_REAL, CLOCK_REALTIME, TFD_CLOEXEC, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		   100 * VP_NSEC_PER_SEC, 0);
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_PROC, 0x55, 0, 1000, 0);
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIG_THREAD, 0x66, vp_gettid(), 1000, 0);
	/* A legacy signal: one place per queue. */
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGALRM, 0x77, 0, 1000, 0);
	while (!pending(SIG_PROC) || !pending(SIG_THREAD) || !pending(SIGALRM))
		usleep(100);
	/* A first expiry of the periodic timerfd, seen without reading it. */
	{
		struct pollfd p = { .fd = FD_MONO, .events = POLLIN };

		while (poll(&p, 1, -1) != 1)
			;
	}
}

/*
 * "twoalarms": a second timer's SIGALRM, due at once, to be queued beside
 * the first's, which a timer's own signal may be, where a second kill()
 * would not.  Whether it is, only a peek at the queue tells: the test's.
 */
static void two_alarms(void)
{
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGALRM, 0x78, 0, 1000, 0);
}

/*
 * "latealarm", alone: a periodic timer's SIGALRM queued for the main
 * thread, every microsecond; the kernel sets its next expiry only once
 * the signal is taken, and meanwhile it reads at most 1 us left: re-armed
 * so, it fires at once.  (So "drain" would spin: "procalrm" instead.)
 */
static void late_alarm(void)
{
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGALRM, 0x7a, vp_gettid(), 1000, 1000);
	while (!pending(SIGALRM))
		usleep(100);
}

/* "soon:MS", alone: a one-shot timer on SIG_PROC, due in MS ms, its signal not yet queued. */
static void soon(long long ms)
{
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIG_PROC, 0x5a, 0, ms * 1000000, 0);
}

/* "threadalarm": a SIGALRM queued for the main thread too, beside the process's. */
static void thread_alarm(void)
{
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGALRM, 0x79, vp_gettid(), 1000, 0);
}

#define CROWD	64

static void crowd(void)
{
	int pipefd[2], pair[2], opened = 0;
	sigset_t usr2;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (eventfd(0, 0) < 0 || signalfd(-1, &usr2, 0) < 0 || epoll_create1(0) < 0 ||
	    open("/", O_PATH) < 0 || pipe(pipefd) || socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
		vp_die(errno, "crowd");
	for (opened = 8; opened < CROWD; opened++)
		if (open("/dev/null", O_RDONLY) < 0)
			vp_die(errno, "crowd /dev/null");
}

static void drain(void)
{
	int n[3] = { 0, 0, 0 }, code[3] = { 0, 0, 0 }, timerid[3] = { -1, -1, -1 };
	unsigned long val[3] = { 0, 0, 0 };
	struct timespec zero = { 0 };
	sigset_t set;
	siginfo_t si;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIG_PROC);
	sigaddset(&set, SIG_THREAD);
	sigaddset(&set, SIGALRM);
	while ((sig = sigtimedwait(&set, &si, &zero)) > 0) {
		int k = sig == SIG_THREAD ? 1 : sig == SIGALRM ? 2 : 0;

		n[k]++;
		code[k] = si.si_code;
		timerid[k] = si.si_timerid;
		val[k] = (unsigned long)si.si_value.sival_ptr;
	}
	vp_out("DRAINED nproc=%d codeproc=%d timerproc=%d valproc=%lx nthread=%d"
	       " codethread=%d timerthread=%d valthread=%lx nalrm=%d codealrm=%d valalrm=%lx",
	       n[0], code[0], timerid[0], val[0], n[1], code[1], timerid[1], val[1], n[2], code[2],
	       val[2]);
}

/* The SIGALRMs queued for the process, taken by a thread whose own queue is empty. */
static void *take_process_alarms(void *arg)
{
	struct timespec zero = { 0 };
	sigset_t set;
	long n = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	while (sigtimedwait(&set, NULL, &zero) == SIGALRM)
		n++;
	return (void *)n;
}

/* A test of a call's argument: its low 32 bits equal to, or above, @value. */
struct arg_test {
	unsigned int arg;
	bool above;
	unsigned int value;
};

/*
 * A filter refusing call @nr with EPERM where every test of its arguments
 * holds, in every thread, as a sandbox may refuse a call by its
 * arguments: a tool under --keep-seccomp then sees that one call fail.
 */
static int deny_call(long nr, const struct arg_test *tests, unsigned int ntests)
{
	struct sock_filter filter[5 + 2 * 2 + 2];
	unsigned int k = 0;
	struct sock_fprog prog;
	long r;

	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, arch));
	filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VP_AUDIT_ARCH, 1, 0);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, nr));
	filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr,
						   0, (unsigned char)(2 * ntests + 1));
	for (unsigned int j = 0; j < ntests; j++) {
		unsigned int off = offsetof(struct seccomp_data, args[tests[j].arg]);
		/* Failed: on to the ALLOW, past the tests after it and the EPERM. */
		unsigned char to_allow = (unsigned char)(2 * (ntests - j - 1) + 1);

		if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
			off += 4;
		filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off);
		filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_K |
							   (tests[j].above ? BPF_JGT : BPF_JEQ),
							   tests[j].value, 0, to_allow);
	}
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						   SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog = (struct sock_fprog){ .len = (unsigned short)k, .filter = filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* With TSYNC, a thread that could not take the filter is named by its tid. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (r < 0)
		return -errno;
	return r ? -EBUSY : 0;
}

/* "deny CALL N": the calls a test may have refused, and what N picks. */
static int deny(const char *call, unsigned int n)
{
	if (!strcmp(call, "timer_delete"))		/* of timer N */
		return deny_call(SYS_timer_delete, (struct arg_test[]){ { 0, false, n } }, 1);
	if (!strcmp(call, "timer_settime"))	/* of timer N */
		return deny_call(SYS_timer_settime, (struct arg_test[]){ { 0, false, n } }, 1);
	if (!strcmp(call, "setitimer"))		/* of interval timer N */
		return deny_call(SYS_setitimer, (struct arg_test[]){ { 0, false, n } }, 1);
	if (!strcmp(call, "timerfd_settime"))	/* of fd N */
		return deny_call(SYS_timerfd_settime, (struct arg_test[]){ { 0, false, n } }, 1);
	if (!strcmp(call, "dup3"))		/* onto fd N, from a higher one */
		return deny_call(SYS_dup3, (struct arg_test[]){ { 1, false, n }, { 0, true, n } },
				 2);
	return -EINVAL;
}

static long long ns(const struct timespec *ts)
{
	return ts->tv_sec * VP_NSEC_PER_SEC + ts->tv_nsec;
}

static bool handle(char *cmd)
{
	if (!strcmp(cmd, "drain")) {
		drain();
	} else if (!strcmp(cmd, "tfd")) {
		struct itimerspec mono = { 0 }, real = { 0 };
		int ok = !timerfd_gettime(FD_MONO, &mono) && !timerfd_gettime(FD_REAL, &real);

		vp_out("TFD ok=%d mono=%lld monoint=%lld real=%lld nonblock=%d cloexec=%d", ok,
		       ns(&mono.it_value), ns(&mono.it_interval), ns(&real.it_value),
		       !!(fcntl(FD_MONO, F_GETFL) & O_NONBLOCK),
		       !!(fcntl(FD_REAL, F_GETFD) & FD_CLOEXEC));
	} else if (!strncmp(cmd, "close ", 6)) {
		if (close(atoi(cmd + 6)))
			vp_out("ERROR close: %s", strerror(errno));
		else
			vp_out("OK");
	} else if (!strncmp(cmd, "sigpending ", 11)) {
		/* Lower its own RLIMIT_SIGPENDING, which another user may not. */
		struct rlimit lim = { .rlim_cur = (rlim_t)atoll(cmd + 11),
				      .rlim_max = (rlim_t)atoll(cmd + 11) };

		if (setrlimit(RLIMIT_SIGPENDING, &lim))
			vp_out("ERROR setrlimit: %s", strerror(errno));
		else
			vp_out("OK");
	} else if (!strncmp(cmd, "deny ", 5)) {
		char call[32];
		unsigned int n;
		int r = sscanf(cmd + 5, "%31s %u", call, &n) == 2 ? deny(call, n) : -EINVAL;

		if (r)
			vp_out("ERROR deny: %s", strerror(-r));
		else
			vp_out("OK");
	} else if (!strcmp(cmd, "armedtimer")) {
		/* A timer with time left, for a disarm to disarm and an undo to re-arm. */
		int id = vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0,
				       100 * VP_NSEC_PER_SEC, 0);

		vp_out("TIMER id=%d", id);
	} else if (!strncmp(cmd, "idletfd ", 8)) {
		/* A disarmed timerfd at FD with nothing pending. */
		timerfd_at(atoi(cmd + 8), CLOCK_MONOTONIC, TFD_NONBLOCK, 0, 0, 0);
		vp_out("OK");
	} else if (!strncmp(cmd, "periodictfd ", 12)) {
		/* A monotonic timerfd at FD, due in MS ms, then every INT ms. */
		int fd;
		long long ms, every;

		if (sscanf(cmd + 12, "%d %lld %lld", &fd, &ms, &every) != 3) {
			vp_out("ERROR periodictfd FD MS INT");
		} else {
			timerfd_at(fd, CLOCK_MONOTONIC, TFD_NONBLOCK, 0, ms * 1000000,
				   every * 1000000);
			vp_out("OK");
		}
	} else if (!strncmp(cmd, "ticks ", 6)) {
		uint64_t ticks = 0;
		ssize_t r = read(atoi(cmd + 6), &ticks, sizeof(ticks));

		if (r < 0 && errno != EAGAIN)
			vp_out("ERROR read: %s", strerror(errno));
		else
			vp_out("TICKS n=%llu", (unsigned long long)ticks);
	} else if (!strcmp(cmd, "tkill")) {
		/* The commands are read by the main thread. */
		if (syscall(SYS_tgkill, getpid(), vp_gettid(), SIGALRM))
			vp_out("ERROR tgkill: %s", strerror(errno));
		else
			vp_out("OK");
	} else if (!strcmp(cmd, "procalrm")) {
		pthread_t th;
		void *n;

		if (pthread_create(&th, NULL, take_process_alarms, NULL) || pthread_join(th, &n))
			vp_out("ERROR pthread");
		else
			vp_out("PROCALRM n=%ld", (long)n);
	} else if (!strcmp(cmd, "itimer")) {
		struct itimerval real, prof;

		getitimer(ITIMER_REAL, &real);
		getitimer(ITIMER_PROF, &prof);
		vp_out("ITIMER real=%ld realint=%ld prof=%ld", (long)real.it_value.tv_sec,
		       (long)real.it_interval.tv_sec, (long)prof.it_value.tv_sec);
	} else {
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	block_signals();
	if (dup2(open("/dev/null", O_RDONLY | O_CLOEXEC), FD_OTHER) != FD_OTHER)
		vp_die(errno, "/dev/null at %d", FD_OTHER);
	vp_start_thread(helper, &helper_tid);
	if (argc > 1 && (!strcmp(argv[1], "full") || !strcmp(argv[1], "crowded") ||
			 !strcmp(argv[1], "twoalarms") || !strcmp(argv[1], "threadalarm")))
		make_all();
	if (argc > 1 && !strcmp(argv[1], "crowded"))
		crowd();
	if (argc > 1 && !strcmp(argv[1], "twoalarms"))
		two_alarms();
	if (argc > 1 && !strcmp(argv[1], "threadalarm"))
		thread_alarm();
	if (argc > 1 && !strcmp(argv[1], "latealarm"))
		late_alarm();
	if (argc > 1 && !strncmp(argv[1], "soon:", 5))
		soon(atoll(argv[1] + 5));
	vp_out("READY pid=%d helper=%d", (int)getpid(), atomic_load(&helper_tid));
	vp_read_commands(handle);
	return 0;
}
