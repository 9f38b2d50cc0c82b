// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The injection leaves a thread's vector registers as it found them, the
 * parts a system call would discard too (aarch64: the SVE registers beyond
 * their FPSIMD view).  The holder of the architecture, a helper built only
 * for it (tests/helpers/ARCH/), checks its registers in a loop without a
 * system call and exits when one changed; an architecture without one
 * skips.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"

#define HOLDER "sve_holder"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(vector_state, .fini = fini, .timeout = 120);

struct holder {
	struct victim *v;
	unsigned long long rounds_at;	/* its round counter's address */
};

static struct holder start_holder(const char *timers)
{
	const char *path = helper_path(HOLDER);
	const char *argv[] = { path, timers, NULL };
	struct holder h = { 0 };
	char *dup = strdup(path), line[256];

	if (access(path, X_OK) < 0)
		cr_skip_test("no vector-state holder for this architecture (%s)", path);
	argv[0] = dup;
	h.v = victim_spawn(argv, (uid_t)-1);
	free(dup);
	cr_assert(h.v, "fork");
	if (!h.v->ready && h.v->error_errno == EOPNOTSUPP)
		cr_skip_test("%s", h.v->error);
	cr_assert(h.v->ready, "%s: %s", HOLDER, h.v->error);
	cr_assert_eq(victim_read_line(h.v, line, sizeof(line), 10000), 0, "no HOLDING line");
	cr_assert(kv_hex(line, "rounds", &h.rounds_at), "%s", line);
	cr_log_info("%s %d: %s", HOLDER, h.v->pid, line);
	return h;
}

static unsigned long long rounds(const struct holder *h)
{
	unsigned long long n = 0;
	struct iovec local = { &n, sizeof(n) }, remote = { (void *)h->rounds_at, sizeof(n) };

	if (process_vm_readv(h->v->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(n))
		return 0;
	return n;
}

/*
 * Two more full rounds: the second began after @what ended, so it
 * checked every register the thread had then.  A holder that saw a change
 * says which register and exits.
 */
static void expect_holding(const struct holder *h, const char *what)
{
	unsigned long long start = rounds(h);
	int64_t deadline = harness_deadline(30000);
	char line[256];
	int status;

	while (rounds(h) < start + 2) {
		if (waitpid(h->v->pid, &status, WNOHANG) == h->v->pid) {
			harness_untrack(h->v->pid);
			h->v->pid = 0;
			if (victim_read_line(h->v, line, sizeof(line), 1000))
				snprintf(line, sizeof(line), "no line");
			cr_assert_fail("%s: the holder ended (status %#x): %s", what, status, line);
		}
		cr_assert(clock_ns(CLOCK_MONOTONIC) < deadline,
			  "%s: the holder made no round in 30 s (%llu)", what, rounds(h));
		sleep_ms(1);
	}
}

Test(vector_state, dump_and_restore_keep_the_registers)
{
	struct holder a = start_holder("2"), b = start_holder("0");
	struct run_result r;
	char pid[16], *dump;

	expect_holding(&a, "before the dump");
	expect_holding(&b, "before the restore");

	cr_assert_eq(run_ptimerctl(&r, "dump", ru_pidstr(pid, a.v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "dump: %s", run_describe(&r));
	dump = ru_public_file(r.out);
	run_result_free(&r);
	expect_holding(&a, "after the dump");

	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pid, b.v->pid), NULL),
		     0);
	cr_assert_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	run_result_free(&r);
	expect_holding(&b, "after the restore");

	ru_file_free(dump);
	victim_kill(a.v);
	victim_kill(b.v);
}
