// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The error model of ptimer.h: libptimer's own codes for what no errno
 * says, one code for one fault wherever it is found, and a detail that
 * never outlives the call that set it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptimer.h"

static struct ptimer_ctx *ctx;

static void setup(void)
{
	cr_assert_eq(ptimer_new(&ctx), 0);
}

static void teardown(void)
{
	ptimer_free(ctx);
}

TestSuite(errors, .init = setup, .fini = teardown);

Test(errors, strerror_table)
{
	static const struct {
		int err;
		const char *text;
	} cases[] = {
		{ PTIMER_ERR_ZOMBIE, "the process is a zombie" },
		{ -PTIMER_ERR_ZOMBIE, "the process is a zombie" },
		{ -PTIMER_ERR_KERNEL_THREAD, "the process is a kernel thread" },
		{ -PTIMER_ERR_COMPAT, "the process runs 32-bit code" },
		{ -PTIMER_ERR_TRACED, "the process is already traced" },
		{ -PTIMER_ERR_NOT_LEADER, "the pid is a thread of another process" },
		{ -PTIMER_ERR_SECCOMP, "the process runs under a seccomp filter" },
		{ -PTIMER_ERR_ID_IN_USE, "a timer ID is already in use" },
		{ -PTIMER_ERR_BAD_DUMP, "the dump is invalid" },
		{ -PTIMER_ERR_WALK_TOO_LONG, "the ID walk is longer than allowed" },
		{ -PTIMER_ERR_TARGET_DIED, "the process exited" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(ptimer_strerror(cases[i].err), cases[i].text, "%d",
				 cases[i].err);
	cr_expect_str_eq(ptimer_strerror(-ESRCH), strerror(ESRCH));
	cr_expect_str_eq(ptimer_strerror(EPERM), strerror(EPERM));
}

/* A failure's detail does not survive into the next call. */
Test(errors, detail_is_cleared)
{
	static const char good[] = "{\"version\":1,\"pid\":7,\"threads\":[7],"
		"\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,\"boottime_ns\":0},"
		"\"timers\":[]}";
	struct ptimer_dump *d;

	cr_assert_eq(ptimer_dump_from_json(ctx, "{}", 2, &d), -PTIMER_ERR_BAD_DUMP);
	cr_assert_neq(ptimer_last_error(ctx)[0], '\0');
	cr_assert_eq(ptimer_dump_from_json(ctx, good, sizeof(good) - 1, &d), 0);
	cr_expect_str_eq(ptimer_last_error(ctx), "", "a stale detail: %s",
			 ptimer_last_error(ctx));
	ptimer_dump_free(d);
}

/*
 * The same fault, two duplicate ids, found by the decoder and by the
 * restore's own check, is the same error.
 */
Test(errors, bad_dump_is_one_code)
{
	static const char doc[] = "{\"version\":1,\"pid\":7,\"threads\":[7],"
		"\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,\"boottime_ns\":0},"
		"\"timers\":["
		"{\"id\":3,\"clockid\":1,\"notify\":\"none\",\"signal\":0,\"sigval\":\"0x0\","
		"\"value_ns\":0,\"interval_ns\":0},"
		"{\"id\":3,\"clockid\":1,\"notify\":\"none\",\"signal\":0,\"sigval\":\"0x0\","
		"\"value_ns\":0,\"interval_ns\":0}]}";
	struct ptimer_restore_opts opts = { .size = sizeof(opts), .dry_run = true };
	struct ptimer_timer t = { .id = 3, .clockid = 1, .notify = PTIMER_NOTIFY_NONE };
	struct ptimer_dump *d = ptimer_dump_new();
	int decoded;

	decoded = ptimer_dump_from_json(ctx, doc, sizeof(doc) - 1,
					&(struct ptimer_dump *){ NULL });
	cr_expect_eq(decoded, -PTIMER_ERR_BAD_DUMP, "decoding: %d", decoded);
	d->version = PTIMER_FORMAT_VERSION;
	d->pid = getpid();
	cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	cr_expect_eq(ptimer_restore_pid(ctx, getpid(), d, &opts, NULL, NULL), decoded);
	cr_expect(strstr(ptimer_last_error(ctx), "duplicate"), "%s", ptimer_last_error(ctx));
	ptimer_dump_free(d);
}

static pid_t thread_tid;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool done;

static void *thread_main(void *arg)
{
	pthread_mutex_lock(&lock);
	thread_tid = gettid();
	pthread_cond_broadcast(&cond);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return arg;
}

/* A thread id is not a process: refused before anything is attached. */
Test(errors, thread_is_not_leader)
{
	struct ptimer_dump *d = NULL;
	pthread_t th;
	int ret;

	cr_assert_eq(pthread_create(&th, NULL, thread_main, NULL), 0);
	pthread_mutex_lock(&lock);
	while (!thread_tid)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	ret = ptimer_dump_pid(ctx, thread_tid, 0, &d, NULL);
	cr_expect_eq(ret, -PTIMER_ERR_NOT_LEADER, "returned %d (%s)", ret,
		     ptimer_strerror(ret));
	cr_expect(strstr(ptimer_last_error(ctx), "name the process"), "%s",
		  ptimer_last_error(ctx));
	pthread_mutex_lock(&lock);
	done = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(th, NULL);
}

static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : '?';
}

Test(errors, zombie)
{
	struct timespec pause = { 0, 1000000 };
	struct ptimer_dump *d = NULL;
	pid_t z = fork();
	int ret;

	cr_assert_geq(z, 0);
	if (z == 0)
		_exit(0);
	/* Wait, with a deadline, for the state the test needs. */
	for (int i = 0; i < 5000 && proc_state(z) != 'Z'; i++)
		nanosleep(&pause, NULL);
	cr_assert_eq(proc_state(z), 'Z');
	ret = ptimer_dump_pid(ctx, z, 0, &d, NULL);
	waitpid(z, NULL, 0);
	cr_expect_eq(ret, -PTIMER_ERR_ZOMBIE, "returned %d (%s)", ret, ptimer_strerror(ret));
}
