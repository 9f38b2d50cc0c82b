// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Print the POSIX timers of a process as a ptimerctl-dump(5) document.
 *
 *   cc -o dump dump.c $(pkg-config --cflags --libs libptimer)
 *   ./dump PID > timers.json
 *
 * Needs ptrace rights over PID (root, or the same user with Yama's
 * ptrace_scope at 0).
 */
#include <stdio.h>
#include <stdlib.h>

#include <ptimer.h>

int main(int argc, char **argv)
{
	struct ptimer_dump_stats stats = { .size = sizeof(stats) };
	struct ptimer_dump *dump;
	struct ptimer_ctx *ctx;
	char *json;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PID\n", argv[0]);
		return 2;
	}
	ret = ptimer_new(&ctx);
	if (ret) {
		fprintf(stderr, "dump: %s\n", ptimer_strerror(ret));
		return 1;
	}
	ret = ptimer_dump_pid(ctx, atoi(argv[1]), 0, &dump, &stats);
	if (!ret) {
		ret = ptimer_dump_to_json(ctx, dump, true, &json);
		if (!ret) {
			puts(json);
			free(json);
		}
		ptimer_dump_free(dump);
	}
	if (ret)
		fprintf(stderr, "dump: cannot dump pid %s: %s (%s)\n", argv[1],
			ptimer_strerror(ret), ptimer_last_error(ctx));
	else
		fprintf(stderr, "dump: pid %s held stopped for %lld us\n", argv[1],
			(long long)stats.stopped_ns / 1000);
	ptimer_free(ctx);
	return ret ? 1 : 0;
}
