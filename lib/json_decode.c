// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document, format version 1: JSON to struct ptimer_dump.
 *
 * Decoding is strict because a restore acts on what it reads: every known
 * field is type- and range-checked, and the first problem is reported with
 * its field path ("timers[3].clockid: expected integer").  Unknown fields
 * are ignored so that a later minor addition does not break older readers.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hex.h"
#include "internal.h"
#include "kabi.h"
#include "json_format.h"

/*
 * Decode errors are all -PTIMER_ERR_BAD_DUMP and read "<path>: <what is wrong>".  The
 * path is the parent ("timers[3]", "" at the top level) plus a key.
 */
__attribute__((format(printf, 4, 5)))
static int fail(struct ptimer_ctx *ctx, const char *parent, const char *key,
		const char *format, ...)
{
	char detail[256];
	va_list args;

	va_start(args, format);
	vsnprintf(detail, sizeof(detail), format, args);
	va_end(args);
	if (*parent)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "%s.%s: %s", parent, key, detail);
	return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "%s: %s", key, detail);
}

/* How a value reads in "expected X, got Y". */
static const char *describe(struct json_object *val)
{
	switch (json_object_get_type(val)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		/* json-c keeps the source text: "got 1.5" says more than a type. */
		return json_object_to_json_string(val);
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

/*
 * Find @key in @obj.  Returns 1 when present (*val is NULL for JSON null),
 * 0 when absent and optional, -PTIMER_ERR_BAD_DUMP when absent and required.
 */
static int member(struct ptimer_ctx *ctx, struct json_object *obj,
		  const char *parent, const char *key, bool required,
		  struct json_object **val)
{
	if (json_object_object_get_ex(obj, key, val))
		return 1;
	*val = NULL;
	if (required)
		return fail(ctx, parent, key, "missing required field");
	return 0;
}

static int expect_type(struct ptimer_ctx *ctx, struct json_object *val,
		       const char *parent, const char *key, enum json_type type)
{
	if (json_object_is_type(val, type))
		return 0;
	return fail(ctx, parent, key, "expected %s, got %s",
		    type == json_type_int ? "integer" : json_type_to_name(type),
		    describe(val));
}

static int to_int64(struct ptimer_ctx *ctx, struct json_object *val,
		    const char *parent, const char *key,
		    int64_t min, int64_t max, int64_t *out)
{
	uint64_t u;
	int64_t v;
	int r;

	r = expect_type(ctx, val, parent, key, json_type_int);
	if (r)
		return r;
	v = json_object_get_int64(val);
	u = json_object_get_uint64(val);
	/*
	 * json-c keeps values above INT64_MAX as unsigned and saturates
	 * anything beyond 64 bits to UINT64_MAX or INT64_MIN, so the int64
	 * view alone would quietly clamp an overflow into range.
	 */
	if (u == UINT64_MAX || v == INT64_MIN)
		return fail(ctx, parent, key, "number is out of range %" PRId64
			    "..%" PRId64, min, max);
	if (v == INT64_MAX && u > (uint64_t)INT64_MAX)
		return fail(ctx, parent, key, "%" PRIu64 " is out of range %"
			    PRId64 "..%" PRId64, u, min, max);
	if (v < min || v > max)
		return fail(ctx, parent, key, "%" PRId64 " is out of range %"
			    PRId64 "..%" PRId64, v, min, max);
	*out = v;
	return 0;
}

static int to_int(struct ptimer_ctx *ctx, struct json_object *val,
		  const char *parent, const char *key, int min, int max, int *out)
{
	int64_t v;
	int r;

	r = to_int64(ctx, val, parent, key, min, max, &v);
	if (!r)
		*out = (int)v;
	return r;
}

/* A present (non-null, when required) member of @obj, as an int64. */
static int read_int64(struct ptimer_ctx *ctx, struct json_object *obj,
		      const char *parent, const char *key, bool required,
		      int64_t min, int64_t max, int64_t *out)
{
	struct json_object *val;
	int r;

	r = member(ctx, obj, parent, key, required, &val);
	if (r <= 0)
		return r;
	r = to_int64(ctx, val, parent, key, min, max, out);
	return r ? r : 1;
}

static int read_int(struct ptimer_ctx *ctx, struct json_object *obj,
		    const char *parent, const char *key, bool required,
		    int min, int max, int *out)
{
	int64_t v;
	int r;

	r = read_int64(ctx, obj, parent, key, required, min, max, &v);
	if (r > 0)
		*out = (int)v;
	return r;
}

/*
 * A string member.  Returns 1 and sets *out when present, 0 when absent.
 * The model stores C strings, so an escaped NUL (\u0000) is refused.
 */
static int read_string(struct ptimer_ctx *ctx, struct json_object *obj,
		       const char *parent, const char *key, bool required,
		       const char **out)
{
	struct json_object *val;
	const unsigned char *s;
	size_t len, i, n;
	int r;

	r = member(ctx, obj, parent, key, required, &val);
	if (r <= 0)
		return r;
	r = expect_type(ctx, val, parent, key, json_type_string);
	if (r)
		return r;
	s = (const unsigned char *)json_object_get_string(val);
	len = json_object_get_string_len(val);
	if (strlen((const char *)s) != len)
		return fail(ctx, parent, key, "contains a NUL character");
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len(s + i, len - i);
		if (!n)
			return fail(ctx, parent, key,
				    "invalid UTF-8 at byte %zu of the string", i);
	}
	*out = (const char *)s;
	return 1;
}

/* An optional string copied into a fixed-size model field. */
static int read_text(struct ptimer_ctx *ctx, struct json_object *obj,
		     const char *key, char *field, size_t size)
{
	const char *s;
	size_t len;
	int r;

	r = read_string(ctx, obj, "", key, false, &s);
	if (r <= 0)
		return r;
	len = strlen(s);
	if (len >= size)
		return fail(ctx, "", key, "string is %zu bytes; the limit is %zu",
			    len, size - 1);
	memcpy(field, s, len + 1);
	return 1;
}

static int read_bool(struct ptimer_ctx *ctx, struct json_object *obj,
		     const char *parent, const char *key, bool *out)
{
	struct json_object *val;
	int r;

	r = member(ctx, obj, parent, key, true, &val);
	if (r <= 0)
		return r;
	r = expect_type(ctx, val, parent, key, json_type_boolean);
	if (r)
		return r;
	*out = json_object_get_boolean(val);
	return 1;
}

/* A required member that must be an object or an array. */
static int read_container(struct ptimer_ctx *ctx, struct json_object *obj,
			  const char *parent, const char *key, bool required,
			  enum json_type type, struct json_object **out)
{
	int r;

	r = member(ctx, obj, parent, key, required, out);
	if (r <= 0)
		return r;
	r = expect_type(ctx, *out, parent, key, type);
	return r ? r : 1;
}

/* "0x" and 1 to 16 hex digits of either case. */
static int parse_sigval(const char *s, uint64_t *out)
{
	if (s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	return hex_parse_u64(s + 2, strlen(s + 2), out);
}

/* A value and where it was, for finding duplicates in one sort. */
struct slot {
	int value;
	size_t index;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->value != y->value)
		return (x->value > y->value) - (x->value < y->value);
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * The first element, in document order, that repeats an earlier value.
 * Sorting keeps this O(n log n); dumps can hold tens of thousands of
 * timers.  Returns 1 and the two indexes when there is one, 0 when all
 * values are unique, -ENOMEM.
 */
static int find_duplicate(const int *values, size_t stride, size_t n,
			  size_t *dup, size_t *first)
{
	struct slot *slots;
	size_t i, best = SIZE_MAX, orig = 0;

	if (n < 2)
		return 0;
	slots = malloc(n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		slots[i].value = *(const int *)((const char *)values + i * stride);
		slots[i].index = i;
	}
	qsort(slots, n, sizeof(*slots), slot_cmp);
	/* In each run of equals, the second entry is the earliest repeat. */
	for (i = 1; i < n; i++) {
		if (slots[i].value != slots[i - 1].value)
			continue;
		if ((i < 2 || slots[i - 2].value != slots[i].value) &&
		    slots[i].index < best) {
			best = slots[i].index;
			orig = slots[i - 1].index;
		}
	}
	free(slots);
	if (best == SIZE_MAX)
		return 0;
	*dup = best;
	*first = orig;
	return 1;
}

struct decoder {
	struct ptimer_ctx *ctx;
	struct ptimer_dump *dump;
	pid_t *sorted_tids;	/* for "is this tid one of the dump's threads" */
};

static int tid_cmp(const void *a, const void *b)
{
	const pid_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

static int decode_version(struct decoder *d, struct json_object *root)
{
	struct json_object *val;
	int64_t v;
	int r;

	r = member(d->ctx, root, "", "version", true, &val);
	if (r < 0)
		return r;
	r = to_int64(d->ctx, val, "", "version", INT64_MIN + 1, INT64_MAX, &v);
	if (r)
		return r;
	if (v > PTIMER_FORMAT_VERSION)
		return fail(d->ctx, "", "version",
			    "%" PRId64 " is newer than this ptimerctl understands (%d)",
			    v, PTIMER_FORMAT_VERSION);
	if (v < 1)
		return fail(d->ctx, "", "version",
			    "%" PRId64 " is not a valid version; the first is 1", v);
	d->dump->version = (int)v;
	return 0;
}

static int decode_identity(struct decoder *d, struct json_object *root)
{
	struct ptimer_dump *dump = d->dump;
	struct json_object *val;
	const char *generator;
	int r;

	r = read_string(d->ctx, root, "", "generator", false, &generator);
	if (r < 0)
		return r;
	r = read_int(d->ctx, root, "", "pid", true, 1, INT_MAX, &dump->pid);
	if (r < 0)
		return r;
	r = read_text(d->ctx, root, "comm", dump->comm, sizeof(dump->comm));
	if (r < 0)
		return r;
	r = read_text(d->ctx, root, "kernel_release", dump->kernel_release,
		      sizeof(dump->kernel_release));
	if (r < 0)
		return r;
	r = read_text(d->ctx, root, "arch", dump->arch, sizeof(dump->arch));
	if (r < 0)
		return r;
	/* Absent or null: the dumping kernel had no PR_TIMER_CREATE_RESTORE_IDS. */
	dump->restore_ids_state = -1;
	r = member(d->ctx, root, "", "restore_ids", false, &val);
	if (r > 0 && val)
		r = to_int(d->ctx, val, "", "restore_ids", 0, 1,
			   &dump->restore_ids_state);
	return r < 0 ? r : 0;
}

static int decode_captured(struct decoder *d, struct json_object *root)
{
	struct ptimer_dump *dump = d->dump;
	struct json_object *cap;
	int r;

	r = read_container(d->ctx, root, "", "captured", true, json_type_object, &cap);
	if (r < 0)
		return r;
	r = read_int64(d->ctx, cap, "captured", "realtime_ns", true, 0, INT64_MAX,
		       &dump->realtime_ns);
	if (r < 0)
		return r;
	r = read_int64(d->ctx, cap, "captured", "monotonic_ns", true, 0, INT64_MAX,
		       &dump->monotonic_ns);
	if (r < 0)
		return r;
	r = read_int64(d->ctx, cap, "captured", "boottime_ns", true, 0, INT64_MAX,
		       &dump->boottime_ns);
	return r < 0 ? r : 0;
}

static int decode_threads(struct decoder *d, struct json_object *root)
{
	struct ptimer_dump *dump = d->dump;
	struct json_object *arr;
	size_t n, i, dup, first;
	char key[32];
	int r;

	r = read_container(d->ctx, root, "", "threads", true, json_type_array, &arr);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	if (!n)
		return fail(d->ctx, "", "threads",
			    "empty array; expected at least the leader %d", dump->pid);
	dump->tids = calloc(n, sizeof(*dump->tids));
	d->sorted_tids = calloc(n, sizeof(*d->sorted_tids));
	if (!dump->tids || !d->sorted_tids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "threads[%zu]", i);
		r = to_int(d->ctx, json_object_array_get_idx(arr, i), "", key,
			   1, INT_MAX, &dump->tids[i]);
		if (r)
			return r;
		dump->nthreads++;
	}
	if (dump->tids[0] != dump->pid)
		return fail(d->ctx, "", "threads[0]", "expected the leader %d, got %d",
			    dump->pid, dump->tids[0]);
	r = find_duplicate(dump->tids, sizeof(*dump->tids), n, &dup, &first);
	if (r < 0)
		return r;
	if (r) {
		snprintf(key, sizeof(key), "threads[%zu]", dup);
		return fail(d->ctx, "", key, "duplicate thread %d (also threads[%zu])",
			    dump->tids[dup], first);
	}
	memcpy(d->sorted_tids, dump->tids, n * sizeof(*dump->tids));
	qsort(d->sorted_tids, n, sizeof(*d->sorted_tids), tid_cmp);
	return 0;
}

static int decode_cpu(struct decoder *d, struct json_object *timer,
		      const char *parent, int clockid)
{
	struct json_object *cpu;
	const char *which, *want_which;
	char path[48];
	bool thread = false;
	int r, pid = 0;

	r = read_container(d->ctx, timer, parent, "cpu", false, json_type_object, &cpu);
	if (r <= 0)
		return r;
	if (!ptimer_clock_is_cpu(clockid))
		return fail(d->ctx, parent, "cpu",
			    "present but clockid %d is not a CPU clock", clockid);
	snprintf(path, sizeof(path), "%s.cpu", parent);
	r = read_int(d->ctx, cpu, path, "pid", true, 0, INT_MAX, &pid);
	if (r < 0)
		return r;
	if (pid != ptimer_cpu_clock_pid(clockid))
		return fail(d->ctx, path, "pid", "%d does not match clockid %d (pid %d)",
			    pid, clockid, ptimer_cpu_clock_pid(clockid));
	r = read_bool(d->ctx, cpu, path, "thread", &thread);
	if (r < 0)
		return r;
	if (thread != ptimer_cpu_clock_is_thread(clockid))
		return fail(d->ctx, path, "thread", "%s does not match clockid %d",
			    thread ? "true" : "false", clockid);
	r = read_string(d->ctx, cpu, path, "which", true, &which);
	if (r < 0)
		return r;
	want_which = ptimer_cpu_which_name(ptimer_cpu_clock_which(clockid));
	if (!want_which || strcmp(which, want_which))
		return fail(d->ctx, path, "which", "\"%s\" does not match clockid %d (%s)",
			    which, clockid, want_which ? want_which : "none");
	return 0;
}

static int decode_clock(struct decoder *d, struct json_object *obj,
			const char *parent, struct ptimer_timer *t)
{
	const char *name, *want;
	int r;

	r = read_int(d->ctx, obj, parent, "clockid", true, INT_MIN, INT_MAX,
		     &t->clockid);
	if (r < 0)
		return r;
	want = ptimer_clock_name(t->clockid);
	if (!ptimer_clock_valid_for_timer(t->clockid)) {
		if (want)
			return fail(d->ctx, parent, "clockid",
				    "%d (%s) cannot carry a timer", t->clockid, want);
		return fail(d->ctx, parent, "clockid", "%d is not a timer clock",
			    t->clockid);
	}
	r = read_string(d->ctx, obj, parent, "clock", false, &name);
	if (r < 0)
		return r;
	if (r && strcmp(name, want))
		return fail(d->ctx, parent, "clock",
			    "\"%s\" does not match clockid %d (%s)",
			    name, t->clockid, want);
	return decode_cpu(d, obj, parent, t->clockid);
}

static int decode_notify(struct decoder *d, struct json_object *obj,
			 const char *parent, struct ptimer_timer *t)
{
	const char *name;
	int r;

	r = read_string(d->ctx, obj, parent, "notify", true, &name);
	if (r < 0)
		return r;
	t->notify = ptimer_notify_from_name(name);
	if (t->notify < 0)
		return fail(d->ctx, parent, "notify",
			    "\"%s\" is not one of signal, none, thread, thread_id",
			    name);
	/* The kernel checks the signal only when it will deliver one. */
	r = read_int(d->ctx, obj, parent, "signal", true,
		     t->notify == PTIMER_NOTIFY_NONE ? 0 : 1,
		     KSIGMAX, &t->signo);
	if (r < 0)
		return r;
	r = read_string(d->ctx, obj, parent, "sigval", true, &name);
	if (r < 0)
		return r;
	if (parse_sigval(name, &t->sigval))
		return fail(d->ctx, parent, "sigval",
			    "\"%.24s\" is not 0x and 1 to 16 hex digits", name);
	return 0;
}

/* The thread a SIGEV_THREAD_ID timer signals, which must be in the dump. */
static int decode_tid(struct decoder *d, struct json_object *obj,
		      const char *parent, struct ptimer_timer *t)
{
	struct json_object *val;
	bool want = t->notify == PTIMER_NOTIFY_THREAD_ID;
	pid_t tid;
	int r;

	r = member(d->ctx, obj, parent, "tid", want, &val);
	if (r < 0)
		return r;
	if (!want) {
		if (val)
			return fail(d->ctx, parent, "tid",
				    "must be null when notify is \"%s\"",
				    ptimer_notify_name(t->notify));
		/* As /proc/PID/timers shows it: the process is the target. */
		t->notify_pid = d->dump->pid;
		return 0;
	}
	r = to_int(d->ctx, val, parent, "tid", 1, INT_MAX, &t->notify_pid);
	if (r)
		return r;
	tid = t->notify_pid;
	if (!bsearch(&tid, d->sorted_tids, d->dump->nthreads,
		     sizeof(*d->sorted_tids), tid_cmp))
		return fail(d->ctx, parent, "tid", "%d is not a thread of the dump",
			    tid);
	return 0;
}

static int decode_timer(struct decoder *d, struct json_object *obj, size_t i)
{
	struct ptimer_timer t = { 0 };
	char parent[32];
	int r;

	snprintf(parent, sizeof(parent), "timers[%zu]", i);
	r = expect_type(d->ctx, obj, "", parent, json_type_object);
	if (r)
		return r;
	r = read_int(d->ctx, obj, parent, "id", true, 0, INT_MAX, &t.id);
	if (r < 0)
		return r;
	r = decode_clock(d, obj, parent, &t);
	if (r)
		return r;
	r = decode_notify(d, obj, parent, &t);
	if (r)
		return r;
	r = decode_tid(d, obj, parent, &t);
	if (r)
		return r;
	r = read_int64(d->ctx, obj, parent, "value_ns", true, 0,
		       PTIMER_MAX_TIME_NS, &t.value_ns);
	if (r < 0)
		return r;
	r = read_int64(d->ctx, obj, parent, "interval_ns", true, 0,
		       PTIMER_MAX_TIME_NS, &t.interval_ns);
	if (r < 0)
		return r;
	/* Informational: a restore cannot recreate overruns. */
	r = read_int(d->ctx, obj, parent, "overrun", false, 0, INT_MAX, &t.overrun);
	if (r < 0)
		return r;
	return ptimer_dump_add_timer(d->dump, &t);
}

static int decode_timers(struct decoder *d, struct json_object *root)
{
	struct ptimer_dump *dump = d->dump;
	struct json_object *arr;
	size_t n, i, dup, first;
	char key[32];
	int r;

	r = read_container(d->ctx, root, "", "timers", true, json_type_array, &arr);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		r = decode_timer(d, json_object_array_get_idx(arr, i), i);
		if (r)
			return r;
	}
	if (dump->ntimers < 2)
		return 0;
	r = find_duplicate(&dump->timers[0].id, sizeof(*dump->timers),
			   dump->ntimers, &dup, &first);
	if (r < 0)
		return r;
	if (r) {
		snprintf(key, sizeof(key), "timers[%zu]", dup);
		return fail(d->ctx, key, "id", "duplicate id %d (also timers[%zu])",
			    dump->timers[dup].id, first);
	}
	ptimer_dump_sort(dump);
	return 0;
}

static int decode_dump(struct decoder *d, struct json_object *root)
{
	int r;

	if (!json_object_is_type(root, json_type_object))
		return ctx_set_error(d->ctx, -PTIMER_ERR_BAD_DUMP,
				     "top level: expected object, got %s",
				     describe(root));
	/* First, so that a newer document is refused for what it is. */
	r = decode_version(d, root);
	if (r)
		return r;
	r = decode_identity(d, root);
	if (r)
		return r;
	r = decode_captured(d, root);
	if (r)
		return r;
	r = decode_threads(d, root);
	if (r)
		return r;
	return decode_timers(d, root);
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static int syntax_error(struct ptimer_ctx *ctx, const char *text, size_t len,
			size_t off, const char *what)
{
	unsigned int line = 1;
	size_t bol = 0;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			bol = i + 1;
		}
	}
	return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "malformed JSON at line %u, column %zu: %s",
			     line, off - bol + 1, what);
}

/* Text to a json-c tree, with the checks json-c does not do for us. */
static int parse_document(struct ptimer_ctx *ctx, const char *text, size_t len,
			  struct json_object **root)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	const char *nul;
	size_t end;
	int r = 0;

	if (len > PTIMER_JSON_MAX_BYTES)
		return ctx_set_error(ctx, -EFBIG, "document is %zu bytes; the limit is %u",
				     len, PTIMER_JSON_MAX_BYTES);
	if (!len)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "document is empty");
	nul = memchr(text, '\0', len);
	if (nul)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "NUL byte at offset %zu",
				     (size_t)(nul - text));
	if (is_blank(text, len))
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "document is empty");

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!*root && jerr == json_tokener_continue) {
		/*
		 * json-c cannot tell a truncated document from one still
		 * arriving; a terminating NUL says the input is complete.
		 */
		*root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (!*root) {
		r = syntax_error(ctx, text, len, end, json_tokener_error_desc(jerr));
	} else if (!is_blank(text + end, len - end)) {
		r = syntax_error(ctx, text, len, end, "data after the document");
		json_object_put(*root);
		*root = NULL;
	}
	json_tokener_free(tok);
	return r;
}

int ptimer_dump_from_json(struct ptimer_ctx *ctx, const char *text, size_t len,
			  struct ptimer_dump **dump)
{
	struct decoder d = { .ctx = ctx };
	struct json_object *root;
	int r;

	ctx_clear_error(ctx);
	*dump = NULL;
	r = parse_document(ctx, text, len, &root);
	if (r)
		return r;
	d.dump = ptimer_dump_new();
	if (!d.dump) {
		r = -ENOMEM;
		goto put_root;
	}
	r = decode_dump(&d, root);
	if (r) {
		if (r == -ENOMEM)
			ctx_set_error(ctx, r, "out of memory decoding the dump");
		ptimer_dump_free(d.dump);
		goto free_sorted;
	}
	dbg(ctx, "decoded pid %d: %zu threads, %zu timers", d.dump->pid,
	    d.dump->nthreads, d.dump->ntimers);
	*dump = d.dump;
free_sorted:
	free(d.sorted_tids);
put_root:
	json_object_put(root);
	return r;
}
