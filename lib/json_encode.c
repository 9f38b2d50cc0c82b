// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document, format version 1: struct ptimer_dump to JSON.
 * Encoding is a plain walk over the model.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "json_format.h"
#include "json_kinds.h"

/*
 * Encoder state.  The first allocation failure sticks in @err, so the
 * builders can be written as straight-line code and checked once.
 */
struct encoder {
	struct ptimer_ctx *ctx;
	int err;
};

static void put(struct encoder *e, struct json_object *obj, const char *key,
		struct json_object *val)
{
	if (!val) {
		e->err = -ENOMEM;
		return;
	}
	if (!obj || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		e->err = -ENOMEM;
	}
}

static void put_null(struct encoder *e, struct json_object *obj, const char *key)
{
	if (!obj || json_object_object_add(obj, key, NULL))
		e->err = -ENOMEM;
}

static void append(struct encoder *e, struct json_object *arr,
		   struct json_object *val)
{
	if (!val) {
		e->err = -ENOMEM;
		return;
	}
	if (!arr || json_object_array_add(arr, val)) {
		json_object_put(val);
		e->err = -ENOMEM;
	}
}

/*
 * A string from a fixed-size field.  comm is whatever bytes the process
 * chose, so bytes that are not UTF-8 become '?': the document stays valid
 * JSON and the string never grows past the field's limit.
 */
static struct json_object *new_text(const char *field, size_t size)
{
	size_t n = strnlen(field, size - 1);
	char buf[128];
	size_t i = 0;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (i < n) {
		size_t len = utf8_seq_len((const unsigned char *)field + i, n - i);

		if (!len) {
			buf[i++] = '?';
			continue;
		}
		memcpy(buf + i, field + i, len);
		i += len;
	}
	return json_object_new_string_len(buf, (int)n);
}

static struct json_object *new_sigval(uint64_t sigval)
{
	char buf[2 + SIGVAL_DIGITS + 1];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, sigval);
	return json_object_new_string(buf);
}

static struct json_object *encode_cpu(struct encoder *e, int clockid)
{
	struct json_object *cpu = json_object_new_object();
	const char *which = ptimer_cpu_which_name(ptimer_cpu_clock_which(clockid));

	put(e, cpu, "pid", json_object_new_int(ptimer_cpu_clock_pid(clockid)));
	put(e, cpu, "thread",
	    json_object_new_boolean(ptimer_cpu_clock_is_thread(clockid)));
	if (which)
		put(e, cpu, "which", json_object_new_string(which));
	return cpu;
}

static struct json_object *encode_timer(struct encoder *e, size_t i,
					const struct ptimer_timer *t)
{
	struct json_object *obj = json_object_new_object();
	const char *clock = ptimer_clock_name(t->clockid);
	const char *notify = ptimer_notify_name(t->notify);
	const char *signame = ptimer_signal_name(t->signo);

	if (!notify) {
		/* The decoder could not read it back; refuse rather than guess. */
		e->err = ctx_set_error(e->ctx, -PTIMER_ERR_BAD_DUMP,
				       "timers[%zu].notify: mode %d has no name",
				       i, t->notify);
		json_object_put(obj);
		return NULL;
	}
	put(e, obj, "id", json_object_new_int(t->id));
	put(e, obj, "clockid", json_object_new_int(t->clockid));
	if (clock)
		put(e, obj, "clock", json_object_new_string(clock));
	if (ptimer_clock_is_cpu(t->clockid))
		put(e, obj, "cpu", encode_cpu(e, t->clockid));
	put(e, obj, "notify", json_object_new_string(notify));
	put(e, obj, "signal", json_object_new_int(t->signo));
	if (signame)
		put(e, obj, "signal_name", json_object_new_string(signame));
	put(e, obj, "sigval", new_sigval(t->sigval));
	if (t->notify == PTIMER_NOTIFY_THREAD_ID)
		put(e, obj, "tid", json_object_new_int(t->notify_pid));
	else
		put_null(e, obj, "tid");
	put(e, obj, "value_ns", json_object_new_int64(t->value_ns));
	put(e, obj, "interval_ns", json_object_new_int64(t->interval_ns));
	put(e, obj, "overrun", json_object_new_int(t->overrun));
	return obj;
}

static struct json_object *encode_captured(struct encoder *e,
					   const struct ptimer_dump *dump)
{
	struct json_object *obj = json_object_new_object();

	put(e, obj, "realtime_ns", json_object_new_int64(dump->realtime_ns));
	put(e, obj, "monotonic_ns", json_object_new_int64(dump->monotonic_ns));
	put(e, obj, "boottime_ns", json_object_new_int64(dump->boottime_ns));
	return obj;
}

static struct json_object *encode_threads(struct encoder *e,
					  const struct ptimer_dump *dump)
{
	struct json_object *arr = json_object_new_array_ext((int)dump->nthreads);

	for (size_t i = 0; i < dump->nthreads && !e->err; i++)
		append(e, arr, json_object_new_int(dump->tids[i]));
	return arr;
}

static struct json_object *encode_timers(struct encoder *e,
					 const struct ptimer_dump *dump)
{
	struct json_object *arr = json_object_new_array_ext((int)dump->ntimers);

	for (size_t i = 0; i < dump->ntimers && !e->err; i++) {
		struct json_object *t = encode_timer(e, i, &dump->timers[i]);

		if (t)
			append(e, arr, t);
	}
	return arr;
}

static struct json_object *encode_dump(struct encoder *e,
				       const struct ptimer_dump *dump)
{
	struct json_object *root = json_object_new_object();

	put(e, root, "version", json_object_new_int(PTIMER_FORMAT_VERSION));
	put(e, root, "generator", json_object_new_string("ptimerctl " PTIMER_VERSION));
	put(e, root, "pid", json_object_new_int(dump->pid));
	put(e, root, "comm", new_text(dump->comm, sizeof(dump->comm)));
	put(e, root, "kernel_release",
	    new_text(dump->kernel_release, sizeof(dump->kernel_release)));
	put(e, root, "arch", new_text(dump->arch, sizeof(dump->arch)));
	if (dump->restore_ids_state < 0)
		put_null(e, root, "restore_ids");
	else
		put(e, root, "restore_ids",
		    json_object_new_int(dump->restore_ids_state));
	put(e, root, "captured", encode_captured(e, dump));
	put(e, root, "threads", encode_threads(e, dump));
	put(e, root, "timers", encode_timers(e, dump));
	if (!e->err)
		e->err = jk_encode_all(e->ctx, dump, root);
	return root;
}

int ptimer_dump_to_json(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
			bool pretty, char **out)
{
	struct encoder e = { .ctx = ctx };
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *root;
	const char *text;
	size_t len;
	char *buf;

	ctx_clear_error(ctx);
	*out = NULL;
	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN;
	root = encode_dump(&e, dump);
	if (e.err)
		goto put_root;
	text = json_object_to_json_string_length(root, flags, &len);
	if (!text) {
		e.err = -ENOMEM;
		goto put_root;
	}
	/* A document is a text file: it ends with a newline. */
	buf = malloc(len + 2);
	if (!buf) {
		e.err = -ENOMEM;
		goto put_root;
	}
	memcpy(buf, text, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	*out = buf;
	dbg(ctx, "encoded %zu timers in %zu bytes", dump->ntimers, len + 1);
put_root:
	json_object_put(root);
	if (e.err == -ENOMEM)
		ctx_set_error(ctx, e.err, "out of memory encoding the dump");
	return e.err;
}
