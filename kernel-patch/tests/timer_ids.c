// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * timer_ids - kernel-level tests for prctl(PR_TIMER_CREATE_RESTORE_IDS)
 *
 * In the spirit of check_timer_create_exact() in the kernel's
 * tools/testing/selftests/timers/posix_timers.c, but covering every
 * semantic point the backport has to match: the prctl ABI, exact IDs,
 * the error codes, no leak on the error paths, fork/exec behaviour, the
 * sequential counter afterwards and concurrent creates of one ID.
 *
 * Usage: timer_ids [--expect=present|absent]
 *
 * Without --expect a kernel without the prctl fails the run: the exact-ID
 * tests are skipped there, and a run that only skipped them must not pass.
 *
 * Every test runs in its own forked child, so each starts with a fresh
 * signal_struct (mode off, no timers) and a crash or hang fails only that
 * test. Output is TAP; the exit status is 0 when nothing failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ksys.h"
#include "ktap.h"

#define TEST_TIMEOUT	120	/* seconds per test, then SIGALRM kills it */
#define TEST_SKIP	77	/* exit status of a test child that skips */
#define RACE_ROUNDS	2000

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("#   %s:%d: ", __func__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			fflush(stdout);					\
			return 1;					\
		}							\
	} while (0)

/* Create a timer with exactly @id (restore mode must be on). */
static int create_exact(int id)
{
	struct sigevent sev;
	int tid = id;
	int ret = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), &tid);

	if (!ret && tid != id)
		return -ENOTRECOVERABLE;
	return ret;
}

/* Number of "ID:" lines in /proc/self/timers, or -1; *found if @id seen. */
static int proc_timers(int id, int *found)
{
	FILE *f = fopen("/proc/self/timers", "r");
	char line[256];
	int n = 0, v;

	if (found)
		*found = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ID: %d", &v) != 1)
			continue;
		n++;
		if (found && v == id)
			*found = 1;
	}
	fclose(f);
	return n;
}

/* Queued plus preallocated (timer) sigqueues of this user, from SigQ. */
static long sigq_used(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long used = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigQ: %ld/", &used) == 1)
			break;
	fclose(f);
	return used;
}

static int t_get_default(void)
{
	long r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);

	CHECK(r == 0, "GET on a fresh process returned %ld, want 0", r);
	return 0;
}

static int t_on_off_get(void)
{
	long r;

	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON);
	CHECK(r == 0, "ON returned %ld", r);
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	CHECK(r == 1, "GET after ON returned %ld, want 1", r);
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON);
	CHECK(r == 0, "second ON returned %ld", r);
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF);
	CHECK(r == 0, "OFF returned %ld", r);
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	CHECK(r == 0, "GET after OFF returned %ld, want 0", r);
	return 0;
}

static int t_bad_args(void)
{
	static const unsigned long bad_arg2[] = { 3, 4, 0x100, ~0UL, ~0UL >> 1 };
	unsigned int i;
	long r;

	for (i = 0; i < sizeof(bad_arg2) / sizeof(bad_arg2[0]); i++) {
		r = restore_ids(bad_arg2[i]);
		CHECK(r == -EINVAL, "arg2=%#lx returned %ld, want -EINVAL",
		      bad_arg2[i], r);
	}
	for (i = 0; i <= PR_TIMER_CREATE_RESTORE_IDS_GET; i++) {
		r = restore_ids_ctl(i, 1, 0, 0);
		CHECK(r == -EINVAL, "arg2=%u arg3=1 returned %ld", i, r);
		r = restore_ids_ctl(i, 0, 1, 0);
		CHECK(r == -EINVAL, "arg2=%u arg4=1 returned %ld", i, r);
		r = restore_ids_ctl(i, 0, 0, ~0UL);
		CHECK(r == -EINVAL, "arg2=%u arg5=~0 returned %ld", i, r);
	}
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	CHECK(r == 0, "rejected calls changed the mode: GET=%ld", r);
	return 0;
}

static int t_unprivileged(void)
{
	long r;

	if (getuid() == 0) {
		CHECK(setgroups(0, NULL) == 0, "setgroups: %s", strerror(errno));
		CHECK(setresgid(65534, 65534, 65534) == 0, "setresgid: %s",
		      strerror(errno));
		CHECK(setresuid(65534, 65534, 65534) == 0, "setresuid: %s",
		      strerror(errno));
	}
	r = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON);
	CHECK(r == 0, "ON as uid %u returned %ld", getuid(), r);
	r = create_exact(4242);
	CHECK(r == 0, "exact ID 4242 as uid %u: %ld", getuid(), r);
	return 0;
}

static int t_exact_ids(void)
{
	static const int ids[] = { 1000, 0, INT_MAX, 1, 999 };
	struct itimerspec its = { .it_value.tv_sec = 100 };
	unsigned int i;
	int found, r;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		r = create_exact(ids[i]);
		CHECK(r == 0, "create ID %d: %d", ids[i], r);
		CHECK(proc_timers(ids[i], &found) == (int)i + 1 && found,
		      "ID %d missing from /proc/self/timers", ids[i]);
	}
	/* The timers must be fully valid for the timer_*() lookup */
	CHECK(ktimer_settime(1000, &its) == 0, "settime on 1000 failed");
	memset(&its, 0, sizeof(its));
	CHECK(ktimer_gettime(1000, &its) == 0 && its.it_value.tv_sec > 90,
	      "gettime on 1000 failed or timer not armed");
	CHECK(ktimer_delete(INT_MAX) == 0, "delete INT_MAX failed");
	return 0;
}

static int t_ebusy(void)
{
	int n, r;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(create_exact(77) == 0, "first create of 77 failed");
	r = create_exact(77);
	CHECK(r == -EBUSY, "second create of 77 returned %d, want -EBUSY", r);
	n = proc_timers(77, NULL);
	CHECK(n == 1, "%d timers after EBUSY, want 1", n);
	CHECK(ktimer_delete(77) == 0, "delete 77 failed");
	r = create_exact(77);
	CHECK(r == 0, "create of 77 after delete returned %d", r);
	return 0;
}

static int t_negative(void)
{
	static const int ids[] = { -1, INT_MIN, -12345, INT_MIN + 1 };
	unsigned int i;
	int n, r;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		r = create_exact(ids[i]);
		CHECK(r == -EINVAL, "ID %d returned %d, want -EINVAL", ids[i], r);
	}
	n = proc_timers(0, NULL);
	CHECK(n == 0, "%d timers exist after rejected IDs", n);
	return 0;
}

static int t_efault(void)
{
	struct sigevent sev;
	void *page;
	int n, r;

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	r = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), page);
	CHECK(r == -EFAULT, "PROT_NONE pointer returned %d, want -EFAULT", r);
	r = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), NULL);
	CHECK(r == -EFAULT, "NULL pointer returned %d, want -EFAULT", r);
	r = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), (int *)1);
	CHECK(r == -EFAULT, "pointer 0x1 returned %d, want -EFAULT", r);
	n = proc_timers(0, NULL);
	CHECK(n == 0, "%d timers exist after EFAULT", n);
	return 0;
}

/*
 * Every timer holds a preallocated sigqueue that is charged to the user's
 * RLIMIT_SIGPENDING and shows in SigQ. A leaked timer on a failing path
 * would make the count grow.
 */
static int t_no_leak(void)
{
	struct sigevent sev;
	long before = -1, after = -1;
	int attempt, i, n;
	void *page;

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(create_exact(10) == 0, "create 10 failed");
	/*
	 * SigQ counts for the whole user, so other processes can move it by
	 * a few. A leak here moves it by hundreds; retry small differences.
	 */
	for (attempt = 0; attempt < 3; attempt++) {
		before = sigq_used();
		CHECK(before >= 1, "no SigQ in /proc/self/status (%ld)", before);
		for (i = 0; i < 300; i++) {
			CHECK(create_exact(10) == -EBUSY, "EBUSY path, round %d", i);
			CHECK(create_exact(-1) == -EINVAL, "EINVAL path, round %d", i);
			CHECK(ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), page) ==
			      -EFAULT, "EFAULT path, round %d", i);
		}
		after = sigq_used();
		if (after == before || after - before >= 100)
			break;
	}
	CHECK(after == before, "SigQ %ld before, %ld after 900 failed creates",
	      before, after);
	n = proc_timers(10, NULL);
	CHECK(n == 1, "%d timers after the failed creates, want 1", n);
	printf("#   SigQ stayed at %ld over 900 failing creates\n", after);
	return 0;
}

static int t_signal_id(void)
{
	struct itimerspec its = { .it_value.tv_nsec = 10 * 1000 * 1000 };
	struct timespec to = { .tv_sec = 10 };
	struct sigevent sev;
	siginfo_t si;
	sigset_t set;
	int tid = 4242, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask");
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 0x5a5a;
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev, &tid) == 0 && tid == 4242,
	      "create 4242 failed (tid %d)", tid);
	CHECK(ktimer_settime(tid, &its) == 0, "settime failed");
	sig = sigtimedwait(&set, &si, &to);
	CHECK(sig == SIGRTMIN, "no timer signal: %s", strerror(errno));
	CHECK(si.si_code == SI_TIMER, "si_code %d", si.si_code);
	CHECK(si.si_timerid == 4242, "si_timerid %d, want 4242", si.si_timerid);
	CHECK(si.si_value.sival_int == 0x5a5a, "sival_int %#x",
	      si.si_value.sival_int);
	return 0;
}

static int create_any(void)
{
	struct sigevent sev;
	int tid = -1;
	int r = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), &tid);

	return r ? r : tid;
}

static int t_counter(void)
{
	int id;

	CHECK(create_any() == 0, "first sequential ID is not 0");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(create_exact(5000) == 0, "create 5000 failed");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF) == 0, "OFF failed");
	id = create_any();
	CHECK(id == 5001, "next sequential ID %d, want 5001", id);
	id = create_any();
	CHECK(id == 5002, "next sequential ID %d, want 5002", id);
	/* A lower exact ID moves the counter back down */
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(create_exact(300) == 0, "create 300 failed");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF) == 0, "OFF failed");
	id = create_any();
	CHECK(id == 301, "next sequential ID %d, want 301", id);
	return 0;
}

static int t_counter_wrap(void)
{
	int id;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(create_exact(INT_MAX) == 0, "create INT_MAX failed");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF) == 0, "OFF failed");
	id = create_any();
	CHECK(id == 0, "ID after INT_MAX is %d, want 0", id);
	id = create_any();
	CHECK(id == 1, "then %d, want 1", id);
	return 0;
}

static int t_off_ignores_input(void)
{
	struct sigevent sev;
	int tid = 31337;

	CHECK(ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), &tid) == 0,
	      "create failed");
	CHECK(tid == 0, "mode off: got ID %d, want 0 (input ignored)", tid);
	return 0;
}

static void *thread_get(void *arg)
{
	*(long *)arg = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	return NULL;
}

static int t_fork_thread(void)
{
	pthread_t th;
	long in_thread = -1;
	int status;
	pid_t pid;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET) == 0 ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "forked child inherited the mode (status %#x)", status);
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET) == 1,
	      "parent lost the mode across fork");
	/* The mode is per process: threads share it */
	CHECK(pthread_create(&th, NULL, thread_get, &in_thread) == 0,
	      "pthread_create");
	pthread_join(th, NULL);
	CHECK(in_thread == 1, "thread sees mode %ld, want 1", in_thread);
	return 0;
}

static int exec_get(int with_timer)
{
	char *argv[] = { "timer_ids", "--exec-get", NULL };
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) != 0)
			_exit(3);
		if (with_timer && create_exact(123) != 0)
			_exit(4);
		execv("/proc/self/exe", argv);
		_exit(5);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "after exec (%s timers) GET gave exit status %#x, want 0",
	      with_timer ? "with" : "without", status);
	return 0;
}

static int t_exec(void)
{
	return exec_get(0) || exec_get(1);
}

/*
 * The two threads meet on spinning flags instead of a futex barrier, so
 * both timer_create() calls really overlap (a futex wakeup takes longer
 * than the whole syscall). Each thread is pinned to its own CPU.
 */
struct race {
	atomic_int ready, go, done;
	int id;
	int ret[2];
	int pinned[2], cpu[2];	/* sched_setaffinity() result, CPU seen */
};

static void spin_until(atomic_int *v, int val)
{
	unsigned int n = 0;

	while (atomic_load(v) != val)
		if (++n % 100000 == 0)
			sched_yield();
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void *race_thread(void *arg)
{
	struct race *rc = arg;
	int i;

	rc->pinned[1] = pin_to_cpu(1);
	for (i = 1; i <= RACE_ROUNDS; i++) {
		rc->cpu[1] = sched_getcpu();
		atomic_store(&rc->ready, i);
		spin_until(&rc->go, i);
		rc->ret[1] = create_exact(rc->id);
		atomic_store(&rc->done, i);
	}
	return NULL;
}

/*
 * Two threads ask for the same ID at the same moment, many times. Exactly
 * one may succeed; the loser must see EBUSY.
 */
static int t_race(void)
{
	struct race rc = { .id = -1 };
	int i, wins = 0;
	pthread_t th;

	/* Without two CPUs the creates never overlap and this proves nothing */
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "only %ld CPU online",
	      sysconf(_SC_NPROCESSORS_ONLN));
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	rc.pinned[0] = pin_to_cpu(0);
	CHECK(rc.pinned[0] == 0, "pinning to CPU 0: %s", strerror(-rc.pinned[0]));
	CHECK(pthread_create(&th, NULL, race_thread, &rc) == 0,
	      "pthread_create");
	for (i = 1; i <= RACE_ROUNDS; i++) {
		spin_until(&rc.ready, i);
		CHECK(rc.pinned[1] == 0, "pinning to CPU 1: %s",
		      strerror(-rc.pinned[1]));
		rc.cpu[0] = sched_getcpu();
		CHECK(rc.cpu[0] == 0 && rc.cpu[1] == 1,
		      "round %d: threads on CPUs %d and %d, want 0 and 1",
		      i, rc.cpu[0], rc.cpu[1]);
		rc.id = 100 + i % 997;
		atomic_store(&rc.go, i);
		rc.ret[0] = create_exact(rc.id);
		spin_until(&rc.done, i);
		CHECK(!(rc.ret[0] == 0 && rc.ret[1] == 0),
		      "round %d: both threads got ID %d", i, rc.id);
		CHECK((rc.ret[0] == 0 && rc.ret[1] == -EBUSY) ||
		      (rc.ret[1] == 0 && rc.ret[0] == -EBUSY),
		      "round %d: results %d/%d, want one 0 and one -EBUSY",
		      i, rc.ret[0], rc.ret[1]);
		wins += rc.ret[0] == 0;
		CHECK(ktimer_delete(rc.id) == 0, "round %d: delete", i);
	}
	pthread_join(th, NULL);
	printf("#   %d rounds on %ld CPUs, main thread won %d, other %d\n",
	       RACE_ROUNDS, sysconf(_SC_NPROCESSORS_ONLN), wins,
	       RACE_ROUNDS - wins);
	return 0;
}

/*
 * Deterministic version of the race: stop the first timer_create() inside
 * its window. The ID is read from a page that is mapped but
 * write-protected through userfaultfd, so the kernel's copy_to_user() of
 * the result blocks after the timer was hashed but before it is valid.
 * While it hangs there, a second create of the same ID must get EBUSY.
 */
struct window {
	int uffd;
	int id;
	int second;	/* result of the create issued while blocked */
	char *page;
	long pagesz;
};

static void *window_handler(void *arg)
{
	struct uffdio_writeprotect wp = { 0 };
	struct window *w = arg;
	struct uffd_msg msg;

	w->second = -ENOMSG;
	if (read(w->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	w->second = create_exact(w->id);
	wp.range.start = (unsigned long)w->page;
	wp.range.len = w->pagesz;
	ioctl(w->uffd, UFFDIO_WRITEPROTECT, &wp);	/* let it finish */
	return NULL;
}

static int t_race_window(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_copy copy = { 0 };
	struct window w = { .id = 31000 };
	struct sigevent sev;
	pthread_t th;
	int *src, ret;

	w.pagesz = sysconf(_SC_PAGESIZE);
	w.uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (w.uffd < 0 || ioctl(w.uffd, UFFDIO_API, &api)) {
		printf("#   userfaultfd unavailable: %s\n", strerror(errno));
		return TEST_SKIP;
	}
	w.page = mmap(NULL, w.pagesz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = aligned_alloc(w.pagesz, w.pagesz);
	CHECK(w.page != MAP_FAILED && src, "mmap/alloc failed");
	reg.range.start = (unsigned long)w.page;
	reg.range.len = w.pagesz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(w.uffd, UFFDIO_REGISTER, &reg)) {
		printf("#   userfaultfd write-protect mode: %s\n",
		       strerror(errno));
		return TEST_SKIP;
	}
	/* Fill the page with the wanted ID and map it write-protected */
	memset(src, 0, w.pagesz);
	*src = w.id;
	copy.dst = (unsigned long)w.page;
	copy.src = (unsigned long)src;
	copy.len = w.pagesz;
	copy.mode = UFFDIO_COPY_MODE_WP;
	CHECK(ioctl(w.uffd, UFFDIO_COPY, &copy) == 0, "UFFDIO_COPY: %s",
	      strerror(errno));

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(pthread_create(&th, NULL, window_handler, &w) == 0,
	      "pthread_create");
	ret = ktimer_create(CLOCK_MONOTONIC, sev_none(&sev), (int *)w.page);
	pthread_join(th, NULL);
	CHECK(w.second != -ENOMSG, "timer_create never blocked in copy-out");
	CHECK(ret == 0 && *(int *)w.page == w.id,
	      "blocked create returned %d, ID %d", ret, *(int *)w.page);
	CHECK(w.second == -EBUSY,
	      "create of ID %d while the first was unfinished returned %d, want -EBUSY",
	      w.id, w.second);
	return 0;
}

/*
 * The mode is per process, so threads which existed before it was turned
 * on see it, can use it and can turn it off for everybody.
 */
struct early_thread {
	atomic_int step;
	long get_on, create, get_after_off;
};

static void *early_thread_fn(void *arg)
{
	struct early_thread *et = arg;

	spin_until(&et->step, 1);
	et->get_on = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	et->create = create_exact(2024);
	et->get_after_off = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF);
	atomic_store(&et->step, 2);
	return NULL;
}

static int t_early_threads(void)
{
	struct early_thread et = { .get_on = -1, .create = -1 };
	pthread_t th;
	int found;

	CHECK(pthread_create(&th, NULL, early_thread_fn, &et) == 0,
	      "pthread_create");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	atomic_store(&et.step, 1);
	pthread_join(th, NULL);
	CHECK(et.get_on == 1, "older thread sees mode %ld, want 1", et.get_on);
	CHECK(et.create == 0, "older thread's create of ID 2024: %ld",
	      et.create);
	CHECK(et.get_after_off == 0, "older thread's OFF returned %ld",
	      et.get_after_off);
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET) == 0,
	      "OFF in the other thread did not switch the process off");
	CHECK(proc_timers(2024, &found) == 1 && found,
	      "timer 2024 of the older thread missing from /proc/self/timers");
	return 0;
}

/* Exact IDs work for CPU-time clocks too, and the timers are usable */
static int t_exact_cpu_clocks(void)
{
	/* The kernel lists the CPU clocks as the encoded clock IDs of self */
	static const struct { clockid_t clk; int id, proc_clk; } c[] = {
		{ CLOCK_PROCESS_CPUTIME_ID, 6000, -6 },
		{ CLOCK_THREAD_CPUTIME_ID, 6001, -2 },
		{ CLOCK_REALTIME, 6002, CLOCK_REALTIME },
		{ CLOCK_BOOTTIME, 6003, CLOCK_BOOTTIME },
	};
	struct itimerspec its;
	struct sigevent sev;
	char want[64], line[256];
	unsigned int i;
	FILE *f;
	int tid, seen = 0;

	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tid = c[i].id;
		CHECK(ktimer_create(c[i].clk, sev_none(&sev), &tid) == 0 &&
		      tid == c[i].id, "clock %d: create of ID %d gave %d",
		      (int)c[i].clk, c[i].id, tid);
		memset(&its, 0, sizeof(its));
		its.it_value.tv_sec = 1000;
		CHECK(ktimer_settime(tid, &its) == 0, "settime of %d", tid);
		CHECK(ktimer_gettime(tid, &its) == 0 &&
		      (its.it_value.tv_sec || its.it_value.tv_nsec),
		      "timer %d (clock %d) not armed", tid, (int)c[i].clk);
	}
	/* /proc/self/timers pairs each ID with its clock */
	f = fopen("/proc/self/timers", "r");
	CHECK(f, "/proc/self/timers: %s", strerror(errno));
	tid = -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ID: %d", &tid) == 1)
			continue;
		for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			snprintf(want, sizeof(want), "ClockID: %d\n", c[i].proc_clk);
			if (tid == c[i].id && !strcmp(line, want))
				seen++;
		}
	}
	fclose(f);
	CHECK(seen == 4, "%d of 4 ID/ClockID pairs in /proc/self/timers", seen);
	return 0;
}

/*
 * Without a sigevent the timer sends SIGALRM with sival_int = its ID. The
 * backport moved where it_id is set (into the hash insertion), so the ID
 * must still be there when the sigevent default is filled in.
 */
static int t_null_sigevent(void)
{
	struct itimerspec its = { .it_value.tv_nsec = 10 * 1000 * 1000 };
	struct timespec to = { .tv_sec = 10 };
	char line[256];
	siginfo_t si;
	sigset_t set;
	int tid = 777, sig, ok = 0;
	FILE *f;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask");
	CHECK(restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0, "ON failed");
	CHECK(ktimer_create(CLOCK_MONOTONIC, NULL, &tid) == 0 && tid == 777,
	      "create 777 without sigevent failed (tid %d)", tid);
	f = fopen("/proc/self/timers", "r");
	CHECK(f, "/proc/self/timers: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "signal: 14/0000000000000309\n"))
			ok = 1;
	fclose(f);
	CHECK(ok, "/proc/self/timers lacks 'signal: 14/0000000000000309'");
	CHECK(ktimer_settime(tid, &its) == 0, "settime failed");
	sig = sigtimedwait(&set, &si, &to);
	CHECK(sig == SIGALRM, "no SIGALRM: %s", strerror(errno));
	CHECK(si.si_code == SI_TIMER && si.si_timerid == 777,
	      "si_code %d si_timerid %d", si.si_code, si.si_timerid);
	CHECK(si.si_value.sival_int == 777, "sival_int %d, want the ID 777",
	      si.si_value.sival_int);
	return 0;
}

struct test {
	const char *name;
	int (*fn)(void);
	int needs_prctl;
};

static const struct test tests[] = {
	{ "mode off: timer_create ignores the ID in *created_timer_id",
	  t_off_ignores_input, 0 },
	{ "GET on a new process returns 0", t_get_default, 1 },
	{ "ON/OFF return 0, GET returns 1 then 0", t_on_off_get, 1 },
	{ "EINVAL for unknown arg2 and non-zero arg3..arg5", t_bad_args, 1 },
	{ "no privilege needed (uid 65534)", t_unprivileged, 1 },
	{ "exact IDs 1000, 0, INT_MAX, 1, 999 and the timers work",
	  t_exact_ids, 1 },
	{ "EBUSY for an ID in use, ID reusable after delete", t_ebusy, 1 },
	{ "EINVAL for negative IDs including INT_MIN", t_negative, 1 },
	{ "EFAULT for unreadable created_timer_id", t_efault, 1 },
	{ "no leak on EBUSY/EINVAL/EFAULT paths (SigQ unchanged)",
	  t_no_leak, 1 },
	{ "signal from exact ID timer carries si_timerid", t_signal_id, 1 },
	{ "sequential counter continues at last exact ID + 1", t_counter, 1 },
	{ "sequential counter wraps to 0 after exact INT_MAX",
	  t_counter_wrap, 1 },
	{ "fork: child starts with mode off; threads share it",
	  t_fork_thread, 1 },
	{ "exec clears the mode (with and without timers)", t_exec, 1 },
	{ "threads created before ON share the mode, use it, turn it off",
	  t_early_threads, 1 },
	{ "exact IDs for CPU-time, REALTIME and BOOTTIME clock timers",
	  t_exact_cpu_clocks, 1 },
	{ "NULL sigevent: SIGALRM with sival_int == exact ID", t_null_sigevent, 1 },
	{ "concurrent creates of one ID on CPUs 0 and 1: never both succeed",
	  t_race, 1 },
	{ "an ID hashed but not yet valid is busy (userfaultfd-held window)",
	  t_race_window, 1 },
};

/* Run @t in a child: 1 passed, 0 failed, -1 skipped. */
static int run_test(const struct test *t)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		alarm(TEST_TIMEOUT);
		_exit(t->fn());
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	if (WIFSIGNALED(status))
		printf("#   killed by signal %d\n", WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	const char *expect = NULL;
	char reason[128];
	struct ktap t;
	unsigned int i;
	long probe;
	int i_arg, ret;

	for (i_arg = 1; i_arg < argc; i_arg++) {
		if (!strcmp(argv[i_arg], "--exec-get")) {
			probe = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
			return probe == 0 ? 0 : probe == 1 ? 1 : 2;
		}
		if (!strncmp(argv[i_arg], "--expect=", 9)) {
			expect = argv[i_arg] + 9;
			continue;
		}
		fprintf(stderr, "usage: %s [--expect=present|absent]\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ktap_begin(&t, "timer_ids");

	/* Probe by behaviour, not by kernel version */
	probe = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	snprintf(reason, sizeof(reason),
		 "PR_TIMER_CREATE_RESTORE_IDS not supported (GET: %s)",
		 probe >= 0 ? "ok" : strerror((int)-probe));
	printf("# probe: GET returned %ld -> prctl %s\n", probe,
	       probe >= 0 ? "present" : "absent");
	if (expect && !strcmp(expect, "present"))
		ktap_result(&t, probe == 0, "prctl present as expected");
	else if (expect && !strcmp(expect, "absent"))
		ktap_result(&t, probe == -EINVAL,
			    "prctl absent (EINVAL) as expected");
	else
		/* Absence is a failure unless --expect=absent asked for it */
		ktap_result(&t, probe >= 0,
			    "prctl present (--expect=absent for a kernel without it)");

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].needs_prctl && probe < 0) {
			ktap_skip(&t, reason, "%s", tests[i].name);
			continue;
		}
		ret = run_test(&tests[i]);
		if (ret < 0)
			ktap_skip(&t, "kernel lacks a facility, see above",
				  "%s", tests[i].name);
		else
			ktap_result(&t, ret, "%s", tests[i].name);
	}
	return ktap_end(&t);
}
