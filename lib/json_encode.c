// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document, format version 1: struct ptimer_dump to JSON.
 * Encoding is a plain walk over the model, written out as it goes.
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

static struct json_object *encode_timer(struct encoder *e, const struct ptimer_dump *dump,
					size_t i, const struct ptimer_timer *t)
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
	/* Said outright, so that a tid mistyped in an edit is not taken for one. */
	if (timer_thread_exited(dump, t))
		put(e, obj, "tid_exited", json_object_new_boolean(true));
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

/*
 * The document is written as it is encoded, member by member and timer by
 * timer, so that no tree or string of the whole document is ever held: at
 * 96k timers json-c's tree alone took over 200 MB.  Each member's value
 * (and each timer) is a small json_object, printed by json-c and freed at
 * once; the writer lays them out exactly as json-c lays out the whole
 * document (two spaces per level when pretty), so the output is byte for
 * byte what printing one tree gave.
 */
struct writer {
	struct encoder *e;
	FILE *f;
	int flags;		/* json-c's, for each value */
	bool pretty;
	bool first;		/* no member written yet */
};

static void w_raw(struct writer *w, const char *s, size_t len)
{
	if (!w->e->err && len && fwrite(s, 1, len, w->f) != len)
		w->e->err = errno ? -errno : -EIO;
}

static void w_str(struct writer *w, const char *s)
{
	w_raw(w, s, strlen(s));
}

/* A value printed alone by json-c, indented as if @depth levels deep. */
static void w_value(struct writer *w, struct json_object *val, int depth)
{
	const char *text, *nl;
	size_t len;

	if (w->e->err)
		return;
	text = json_object_to_json_string_length(val, w->flags, &len);
	if (!text) {
		w->e->err = -ENOMEM;
		return;
	}
	/* Strings are escaped: every '\n' is json-c's layout. */
	while (w->pretty && (nl = memchr(text, '\n', len))) {
		size_t n = (size_t)(nl - text) + 1;

		w_raw(w, text, n);
		for (int i = 0; i < depth; i++)
			w_raw(w, "  ", 2);
		text += n;
		len -= n;
	}
	w_raw(w, text, len);
}

static void w_key(struct writer *w, const char *key)
{
	if (!w->first)
		w_raw(w, ",", 1);
	w->first = false;
	if (w->pretty)
		w_raw(w, "\n  ", 3);
	w_raw(w, "\"", 1);
	w_str(w, key);
	w_str(w, w->pretty ? "\": " : "\":");
}

/*
 * A top-level member whose value is a small json_object, which this
 * consumes; NULL is an allocation failure.  Every section but "timers" is
 * written this way.
 */
static void w_member(struct writer *w, const char *key, struct json_object *val)
{
	if (!val) {
		w->e->err = -ENOMEM;
		return;
	}
	w_key(w, key);
	w_value(w, val, 1);
	json_object_put(val);
}

static void w_member_null(struct writer *w, const char *key)
{
	w_key(w, key);
	w_str(w, "null");
}

/* The element @i of an array w_elements() writes; NULL with w->e->err set on failure. */
typedef struct json_object *(*w_element_fn)(struct writer *w, const struct ptimer_dump *dump,
					    size_t i, const struct jk_section *sec);

/* An array written element by element, each a json_object made and freed in turn. */
static void w_elements(struct writer *w, const char *key, const struct ptimer_dump *dump,
		       size_t n, w_element_fn fn, const struct jk_section *sec)
{
	w_key(w, key);
	w_raw(w, "[", 1);
	for (size_t i = 0; i < n && !w->e->err; i++) {
		struct json_object *val = fn(w, dump, i, sec);

		if (!val) {
			if (!w->e->err)
				w->e->err = -ENOMEM;
			break;
		}
		if (i)
			w_raw(w, ",", 1);
		if (w->pretty)
			w_raw(w, "\n    ", 5);
		w_value(w, val, 2);
		json_object_put(val);
	}
	if (n && w->pretty)
		w_raw(w, "\n  ", 3);
	w_raw(w, "]", 1);
}

static struct json_object *timer_element(struct writer *w, const struct ptimer_dump *dump,
					 size_t i, const struct jk_section *sec)
{
	(void)sec;
	return encode_timer(w->e, dump, i, &dump->timers[i]);
}

static struct json_object *section_element(struct writer *w, const struct ptimer_dump *dump,
					   size_t i, const struct jk_section *sec)
{
	struct json_object *val = NULL;

	w->e->err = sec->encode_element(w->e->ctx, dump, i, &val);
	return val;
}

/* What encode_timer() would refuse, found before anything is written. */
static int check_encodable(struct encoder *e, const struct ptimer_dump *dump)
{
	for (size_t i = 0; i < dump->ntimers; i++)
		if (!ptimer_notify_name(dump->timers[i].notify))
			return ctx_set_error(e->ctx, -PTIMER_ERR_BAD_DUMP,
					     "timers[%zu].notify: mode %d has no name",
					     i, dump->timers[i].notify);
	return 0;
}

static void write_dump(struct writer *w, const struct ptimer_dump *dump)
{
	struct encoder *e = w->e;

	w_raw(w, "{", 1);
	w_member(w, "version", json_object_new_int(PTIMER_FORMAT_VERSION));
	w_member(w, "generator", json_object_new_string("ptimerctl " PTIMER_VERSION));
	w_member(w, "pid", json_object_new_int(dump->pid));
	w_member(w, "comm", new_text(dump->comm, sizeof(dump->comm)));
	w_member(w, "kernel_release",
		 new_text(dump->kernel_release, sizeof(dump->kernel_release)));
	w_member(w, "arch", new_text(dump->arch, sizeof(dump->arch)));
	if (dump->restore_ids_state < 0)
		w_member_null(w, "restore_ids");
	else
		w_member(w, "restore_ids", json_object_new_int(dump->restore_ids_state));
	w_member(w, "captured", encode_captured(e, dump));
	w_member(w, "threads", encode_threads(e, dump));
	w_elements(w, "timers", dump, dump->ntimers, timer_element, NULL);
	/* The other kinds' sections (json_kinds.c): "kinds" whole, the others streamed. */
	for (size_t i = 0; i < JK_NSECTIONS && !e->err; i++) {
		const struct jk_section *sec = &jk_sections[i];
		struct json_object *val;

		if (sec->encode) {
			e->err = sec->encode(e->ctx, dump, &val);
			if (!e->err)
				w_member(w, sec->key, val);
		} else {
			w_elements(w, sec->key, dump, sec->count(dump), section_element, sec);
		}
	}
	/*
	 * The closing brace goes alone in the stream's last write: the
	 * reader of a pipe then holds the whole document exactly when that
	 * write went out.  Split from its newline by the stream's buffer, the
	 * brace could reach the reader of a dump --disarm whose newline's
	 * write failed, and both processes would have the timers.
	 */
	if (!w->e->err && fflush(w->f))
		w->e->err = errno ? -errno : -EIO;
	w_str(w, w->pretty ? "\n}\n" : "}\n");
}

int ptimer_private_dump_write_json(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
				   bool pretty, FILE *f)
{
	struct encoder e = { .ctx = ctx };
	struct writer w = {
		.e = &e,
		.f = f,
		.pretty = pretty,
		.first = true,
		.flags = JSON_C_TO_STRING_NOSLASHESCAPE |
			 (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				   JSON_C_TO_STRING_PLAIN),
	};

	ctx_clear_error(ctx);
	e.err = check_encodable(&e, dump);
	if (e.err)
		return e.err;
	errno = 0;
	write_dump(&w, dump);
	if (e.err == -ENOMEM)
		ctx_set_error(ctx, e.err, "out of memory encoding the dump");
	else if (!e.err)
		dbg(ctx, "encoded %zu timers", dump->ntimers);
	return e.err;
}

int ptimer_dump_to_json(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
			bool pretty, char **out)
{
	size_t len;
	char *buf;
	FILE *f;
	int ret;

	*out = NULL;
	f = open_memstream(&buf, &len);
	if (!f) {
		ctx_clear_error(ctx);
		return ctx_set_error(ctx, -ENOMEM, "out of memory encoding the dump");
	}
	ret = ptimer_private_dump_write_json(ctx, dump, pretty, f);
	if (fclose(f) && !ret)
		ret = ctx_set_error(ctx, -ENOMEM, "out of memory encoding the dump");
	if (ret)
		free(buf);
	else
		*out = buf;
	return ret;
}
