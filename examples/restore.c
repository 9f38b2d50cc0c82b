// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Recreate the timers of a ptimerctl-dump(5) document in a process, with
 * the same timer IDs; on any failure the process is left as it was.
 *
 *   cc -o restore restore.c $(pkg-config --cflags --libs libptimer)
 *   ./restore PID < timers.json
 */
#include <stdio.h>
#include <stdlib.h>

#include <ptimer.h>

/* Read all of stdin; NULL when out of memory or on a read error. */
static char *read_stdin(size_t *len)
{
	size_t size = 4096, n = 0, got;
	char *buf = malloc(size), *bigger;

	while (buf && (got = fread(buf + n, 1, size - n, stdin)) > 0) {
		n += got;
		if (n == size) {
			bigger = realloc(buf, size *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	if (buf && ferror(stdin)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int on_plan(void *data, const struct ptimer_plan *plan)
{
	(void)data;
	fprintf(stderr, "restore: %zu timer(s) by %s\n", plan->ntimers,
		plan->method == PTIMER_METHOD_PRCTL ? "the prctl" : "the ID walk");
	return 0;	/* non-zero would abort, undoing everything */
}

int main(int argc, char **argv)
{
	struct ptimer_restore_opts opts = {
		.size = sizeof(opts),		/* always: the library checks it */
		.method = PTIMER_METHOD_AUTO,
		.time = PTIMER_TIME_FROZEN,
		.on_plan = on_plan,
	};
	struct ptimer_dump *dump = NULL;
	struct ptimer_ctx *ctx = NULL;
	size_t len;
	char *text;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PID < DUMP\n", argv[0]);
		return 2;
	}
	text = read_stdin(&len);
	if (!text) {
		perror("restore: cannot read the dump");
		return 1;
	}
	ret = ptimer_new(&ctx);
	if (!ret)
		ret = ptimer_dump_from_json(ctx, text, len, &dump);
	if (!ret)
		ret = ptimer_restore_pid(ctx, atoi(argv[1]), dump, &opts, NULL, NULL);
	if (ret)
		fprintf(stderr, "restore: %s (%s)\n", ptimer_strerror(ret),
			ctx ? ptimer_last_error(ctx) : "");
	ptimer_dump_free(dump);
	ptimer_free(ctx);
	free(text);
	return ret ? 1 : 0;
}
