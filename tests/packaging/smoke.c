/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Built by check-install against the *installed* header and library, found
 * through pkg-config only.  Touches the context, the log callback, the name
 * tables, the CPU clock encoding, the dump model, the /proc parser and the
 * JSON codec (which pulls json-c into a static link).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

static void round_trip(struct ptimer_ctx *ctx, const struct ptimer_dump *dump)
{
	struct ptimer_dump *back = NULL;
	char *json = NULL;

	expect(ptimer_dump_to_json(ctx, dump, true, &json) == 0 && json);
	if (!json)
		return;
	if (ptimer_dump_from_json(ctx, json, strlen(json), &back)) {
		fprintf(stderr, "smoke: decoding our own dump: %s\n", ptimer_last_error(ctx));
		failures++;
	}
	if (back) {
		expect(back->ntimers == 2 && back->timers[1].id == 3);
		ptimer_dump_free(back);
	}
	free(json);
	/* a decode error names the field */
	expect(ptimer_dump_from_json(ctx, "{\"version\": \"one\"}", 18, &back) == -PTIMER_ERR_BAD_DUMP);
	expect(strstr(ptimer_last_error(ctx), "version") != NULL);
}

static void parse_proc(struct ptimer_ctx *ctx)
{
	static const char text[] =
		"ID: 0\n"
		"signal: 14/0000000000000000\n"
		"notify: signal/pid.4242\n"
		"ClockID: 1\n";
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 0;

	(void)ctx;
	if (!dump) {
		failures++;
		return;
	}
	expect(ptimer_parse_proc_timers(text, sizeof(text) - 1, dump, &line) == 0);
	expect(dump->ntimers == 1 && dump->timers[0].signo == 14 &&
	       dump->timers[0].clockid == CLOCK_MONOTONIC);
	ptimer_dump_free(dump);
	dump = ptimer_dump_new();
	if (dump) {
		expect(ptimer_parse_proc_timers("ID: x\n", 6, dump, &line) == -EINVAL);
		expect(line == 1);
		ptimer_dump_free(dump);
	}
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
		/* what a real dump of a one-thread process would hold */
		dump->pid = 4242;
		snprintf(dump->comm, sizeof(dump->comm), "victim");
		snprintf(dump->kernel_release, sizeof(dump->kernel_release), "6.1.0");
		snprintf(dump->arch, sizeof(dump->arch), "x86_64");
		dump->realtime_ns = 1700000000000000000;
		dump->monotonic_ns = 1000000000;
		dump->boottime_ns = 1000000000;
		dump->tids = malloc(sizeof(*dump->tids));
		if (dump->tids) {
			dump->tids[0] = 4242;
			dump->nthreads = 1;
		}
		memset(&t, 0, sizeof(t));
		t.clockid = CLOCK_MONOTONIC;
		t.notify = PTIMER_NOTIFY_SIGNAL;
		t.signo = 10;
		t.notify_pid = 4242;
		t.value_ns = 500000000;
		t.id = 3;
		expect(ptimer_dump_add_timer(dump, &t) == 0);
		t.id = 1;
		expect(ptimer_dump_add_timer(dump, &t) == 0);
		ptimer_dump_sort(dump);
		expect(dump->ntimers == 2 && dump->timers[0].id == 1);
		round_trip(ctx, dump);
		ptimer_dump_free(dump);
	}
	parse_proc(ctx);
	ptimer_free(ctx);

	if (failures)
		return 1;
	puts("smoke: ok");
	return 0;
}
