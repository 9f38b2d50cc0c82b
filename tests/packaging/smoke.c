/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built by check-install against the *installed* header and library, found
 * through pkg-config only.  Touches the context, the log callback, the name
 * tables, the CPU clock encoding and the dump model.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ptimer.h>

static int failures;

#define expect(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "smoke: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++;						\
	}								\
} while (0)

static void quiet_log(struct ptimer_ctx *ctx, int priority, const char *file,
		      int line, const char *fn, const char *format, va_list args)
{
	(void)ctx; (void)priority; (void)file; (void)line; (void)fn;
	(void)format; (void)args;
}

int main(void)
{
	struct ptimer_ctx *ctx = NULL;
	struct ptimer_dump *dump;
	struct ptimer_timer t;
	int clk;

	expect(ptimer_new(&ctx) == 0 && ctx);
	ptimer_set_log_fn(ctx, quiet_log);
	ptimer_set_log_priority(ctx, 7);
	expect(ptimer_get_log_priority(ctx) == 7);
	ptimer_set_userdata(ctx, &failures);
	expect(ptimer_get_userdata(ctx) == &failures);

	expect(strcmp(ptimer_clock_name(CLOCK_MONOTONIC), "monotonic") == 0);
	expect(ptimer_clock_from_name("realtime") == CLOCK_REALTIME);
	expect(ptimer_clock_from_name("no-such-clock") == -EINVAL);
	expect(ptimer_notify_from_name(ptimer_notify_name(PTIMER_NOTIFY_THREAD_ID))
	       == PTIMER_NOTIFY_THREAD_ID);
	expect(ptimer_signal_from_name("SIGUSR1") > 0);

	clk = ptimer_cpu_clock_make(1234, true, PTIMER_CPU_SCHED);
	expect(ptimer_clock_is_cpu(clk));
	expect(ptimer_cpu_clock_pid(clk) == 1234);
	expect(ptimer_cpu_clock_is_thread(clk));
	expect(ptimer_cpu_clock_which(clk) == PTIMER_CPU_SCHED);

	dump = ptimer_dump_new();
	expect(dump != NULL);
	if (dump) {
		memset(&t, 0, sizeof(t));
		t.clockid = CLOCK_MONOTONIC;
		t.notify = PTIMER_NOTIFY_SIGNAL;
		t.signo = 10;
		t.id = 3;
		expect(ptimer_dump_add_timer(dump, &t) == 0);
		t.id = 1;
		expect(ptimer_dump_add_timer(dump, &t) == 0);
		ptimer_dump_sort(dump);
		expect(dump->ntimers == 2 && dump->timers[0].id == 1);
		ptimer_dump_free(dump);
	}
	ptimer_free(ctx);

	if (failures)
		return 1;
	puts("smoke: ok");
	return 0;
}
