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
#include "json_fields.h"
#include "json_format.h"
#include "json_kinds.h"

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

	r = jf_member(d->ctx, root, "", "version", true, &val);
	if (r < 0)
		return r;
	r = jf_to_int64(d->ctx, val, "", "version", INT64_MIN + 1, INT64_MAX, &v);
	if (r)
		return r;
	if (v > PTIMER_FORMAT_VERSION)
		return jf_fail(d->ctx, "", "version",
			       "%" PRId64 " is newer than this ptimerctl understands (%d)",
			       v, PTIMER_FORMAT_VERSION);
	if (v < 1)
		return jf_fail(d->ctx, "", "version",
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

	r = jf_read_string(d->ctx, root, "", "generator", false, &generator);
	if (r < 0)
		return r;
	r = jf_read_int(d->ctx, root, "", "pid", true, 1, INT_MAX, &dump->pid);
	if (r < 0)
		return r;
	r = jf_read_text(d->ctx, root, "comm", dump->comm, sizeof(dump->comm));
	if (r < 0)
		return r;
	r = jf_read_text(d->ctx, root, "kernel_release", dump->kernel_release,
			 sizeof(dump->kernel_release));
	if (r < 0)
		return r;
	r = jf_read_text(d->ctx, root, "arch", dump->arch, sizeof(dump->arch));
	if (r < 0)
		return r;
	/* Absent or null: the dumping kernel had no PR_TIMER_CREATE_RESTORE_IDS. */
	dump->restore_ids_state = -1;
	r = jf_member(d->ctx, root, "", "restore_ids", false, &val);
	if (r > 0 && val)
		r = jf_to_int(d->ctx, val, "", "restore_ids", 0, 1,
			      &dump->restore_ids_state);
	return r < 0 ? r : 0;
}

static int decode_captured(struct decoder *d, struct json_object *root)
{
	struct ptimer_dump *dump = d->dump;
	struct json_object *cap;
	int r;

	r = jf_read_container(d->ctx, root, "", "captured", true, json_type_object, &cap);
	if (r < 0)
		return r;
	r = jf_read_int64(d->ctx, cap, "captured", "realtime_ns", true, 0, INT64_MAX,
			  &dump->realtime_ns);
	if (r < 0)
		return r;
	r = jf_read_int64(d->ctx, cap, "captured", "monotonic_ns", true, 0, INT64_MAX,
			  &dump->monotonic_ns);
	if (r < 0)
		return r;
	r = jf_read_int64(d->ctx, cap, "captured", "boottime_ns", true, 0, INT64_MAX,
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

	r = jf_read_container(d->ctx, root, "", "threads", true, json_type_array, &arr);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	if (!n)
		return jf_fail(d->ctx, "", "threads",
			       "empty array; expected at least the leader %d", dump->pid);
	dump->tids = calloc(n, sizeof(*dump->tids));
	d->sorted_tids = calloc(n, sizeof(*d->sorted_tids));
	if (!dump->tids || !d->sorted_tids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "threads[%zu]", i);
		r = jf_to_int(d->ctx, json_object_array_get_idx(arr, i), "", key,
			      1, INT_MAX, &dump->tids[i]);
		if (r)
			return r;
		dump->nthreads++;
	}
	if (dump->tids[0] != dump->pid)
		return jf_fail(d->ctx, "", "threads[0]", "expected the leader %d, got %d",
			       dump->pid, dump->tids[0]);
	r = jf_find_duplicate(dump->tids, sizeof(*dump->tids), n, &dup, &first);
	if (r < 0)
		return r;
	if (r) {
		snprintf(key, sizeof(key), "threads[%zu]", dup);
		return jf_fail(d->ctx, "", key, "duplicate thread %d (also threads[%zu])",
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

	r = jf_read_container(d->ctx, timer, parent, "cpu", false, json_type_object, &cpu);
	if (r <= 0)
		return r;
	if (!ptimer_clock_is_cpu(clockid))
		return jf_fail(d->ctx, parent, "cpu",
			       "present but clockid %d is not a CPU clock", clockid);
	snprintf(path, sizeof(path), "%s.cpu", parent);
	r = jf_read_int(d->ctx, cpu, path, "pid", true, 0, INT_MAX, &pid);
	if (r < 0)
		return r;
	if (pid != ptimer_cpu_clock_pid(clockid))
		return jf_fail(d->ctx, path, "pid", "%d does not match clockid %d (pid %d)",
			       pid, clockid, ptimer_cpu_clock_pid(clockid));
	r = jf_read_bool(d->ctx, cpu, path, "thread", true, &thread);
	if (r < 0)
		return r;
	if (thread != ptimer_cpu_clock_is_thread(clockid))
		return jf_fail(d->ctx, path, "thread", "%s does not match clockid %d",
			       thread ? "true" : "false", clockid);
	r = jf_read_string(d->ctx, cpu, path, "which", true, &which);
	if (r < 0)
		return r;
	want_which = ptimer_cpu_which_name(ptimer_cpu_clock_which(clockid));
	if (!want_which || strcmp(which, want_which))
		return jf_fail(d->ctx, path, "which", "\"%s\" does not match clockid %d (%s)",
			       which, clockid, want_which ? want_which : "none");
	return 0;
}

static int decode_clock(struct decoder *d, struct json_object *obj,
			const char *parent, struct ptimer_timer *t)
{
	const char *name, *want;
	int r;

	r = jf_read_int(d->ctx, obj, parent, "clockid", true, INT_MIN, INT_MAX,
			&t->clockid);
	if (r < 0)
		return r;
	want = ptimer_clock_name(t->clockid);
	if (!ptimer_clock_valid_for_timer(t->clockid)) {
		if (want)
			return jf_fail(d->ctx, parent, "clockid",
				       "%d (%s) cannot carry a timer", t->clockid, want);
		return jf_fail(d->ctx, parent, "clockid", "%d is not a timer clock",
			       t->clockid);
	}
	r = jf_read_string(d->ctx, obj, parent, "clock", false, &name);
	if (r < 0)
		return r;
	if (r && strcmp(name, want))
		return jf_fail(d->ctx, parent, "clock",
			       "\"%s\" does not match clockid %d (%s)",
			       name, t->clockid, want);
	return decode_cpu(d, obj, parent, t->clockid);
}

/*
 * "signal": a number, or a name as "signal_name" writes it (kernel
 * numbering: "SIGRTMIN" is 32).  "signal_name", written for people, must
 * agree when present, so that an edit of the name alone is not restored
 * silently with the old number.
 */
static int decode_signal(struct decoder *d, struct json_object *obj,
			 const char *parent, struct ptimer_timer *t)
{
	bool none = t->notify == PTIMER_NOTIFY_NONE;
	struct json_object *val;
	const char *name, *want;
	int r;

	r = jf_member(d->ctx, obj, parent, "signal", true, &val);
	if (r < 0)
		return r;
	if (json_object_is_type(val, json_type_string)) {
		/* Read as any string is, so that "SIGUSR1\u0000junk" is no SIGUSR1. */
		r = jf_read_string(d->ctx, obj, parent, "signal", true, &name);
		if (r < 0)
			return r;
		t->signo = ptimer_signal_from_name(name);
		if (t->signo < 0)
			return jf_fail(d->ctx, parent, "signal", "\"%.24s\" is not a signal"
				       " name (SIGUSR1, SIGRTMIN+3, kernel numbering)", name);
	} else {
		/*
		 * The kernel checks sigev_signo only when it will deliver a
		 * signal: a SIGEV_NONE timer keeps whatever the program left
		 * there, /proc/PID/timers shows it, and timer_create() takes
		 * it back.
		 */
		r = jf_to_int(d->ctx, val, parent, "signal", none ? INT_MIN : 1,
			      none ? INT_MAX : KSIGMAX, &t->signo);
		if (r)
			return r;
	}
	r = jf_read_string(d->ctx, obj, parent, "signal_name", false, &name);
	if (r <= 0)
		return r;
	want = ptimer_signal_name(t->signo);
	if (!want || strcmp(name, want))
		return jf_fail(d->ctx, parent, "signal_name",
			       "\"%.24s\" does not match signal %d (%s)", name, t->signo,
			       want ? want : "no name");
	return 0;
}

static int decode_notify(struct decoder *d, struct json_object *obj,
			 const char *parent, struct ptimer_timer *t)
{
	const char *name;
	int r;

	r = jf_read_string(d->ctx, obj, parent, "notify", true, &name);
	if (r < 0)
		return r;
	t->notify = ptimer_notify_from_name(name);
	if (t->notify < 0)
		return jf_fail(d->ctx, parent, "notify",
			       "\"%s\" is not one of signal, none, thread, thread_id",
			       name);
	r = decode_signal(d, obj, parent, t);
	if (r)
		return r;
	r = jf_read_string(d->ctx, obj, parent, "sigval", true, &name);
	if (r < 0)
		return r;
	if (jf_parse_sigval(name, &t->sigval))
		return jf_fail(d->ctx, parent, "sigval",
			       "\"%.24s\" is not 0x and 1 to 16 hex digits", name);
	return 0;
}

/*
 * The thread a SIGEV_THREAD_ID timer signals: one of the dump's, or one
 * that had exited, which "tid_exited" must say (model.c).
 */
static int decode_tid(struct decoder *d, struct json_object *obj,
		      const char *parent, struct ptimer_timer *t)
{
	struct json_object *val;
	bool want = t->notify == PTIMER_NOTIFY_THREAD_ID;
	bool exited = false, listed;
	pid_t tid;
	int r, has_exited;

	r = jf_member(d->ctx, obj, parent, "tid", want, &val);
	if (r < 0)
		return r;
	has_exited = jf_read_bool(d->ctx, obj, parent, "tid_exited", false, &exited);
	if (has_exited < 0)
		return has_exited;
	if (!want) {
		if (val)
			return jf_fail(d->ctx, parent, "tid",
				       "must be null when notify is \"%s\"",
				       ptimer_notify_name(t->notify));
		if (has_exited)
			return jf_fail(d->ctx, parent, "tid_exited",
				       "only a \"thread_id\" timer has a thread");
		/* As /proc/PID/timers shows it: the process is the target. */
		t->notify_pid = d->dump->pid;
		return 0;
	}
	r = jf_to_int(d->ctx, val, parent, "tid", 1, INT_MAX, &t->notify_pid);
	if (r)
		return r;
	tid = t->notify_pid;
	listed = bsearch(&tid, d->sorted_tids, d->dump->nthreads,
			 sizeof(*d->sorted_tids), tid_cmp);
	if (exited && listed)
		return jf_fail(d->ctx, parent, "tid_exited",
			       "true, but tid %d is a thread of the dump", tid);
	if (!exited && !listed)
		return jf_fail(d->ctx, parent, "tid", "%d is not a thread of the dump"
			       " (one that had exited has \"tid_exited\": true)", tid);
	return 0;
}

static int decode_timer(struct decoder *d, struct json_object *obj, size_t i)
{
	struct ptimer_timer t = { 0 };
	char parent[32];
	int r;

	snprintf(parent, sizeof(parent), "timers[%zu]", i);
	r = jf_expect_type(d->ctx, obj, "", parent, json_type_object);
	if (r)
		return r;
	r = jf_read_int(d->ctx, obj, parent, "id", true, 0, INT_MAX, &t.id);
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
	r = jf_read_int64(d->ctx, obj, parent, "value_ns", true, 0,
			  PTIMER_MAX_TIME_NS, &t.value_ns);
	if (r < 0)
		return r;
	r = jf_read_int64(d->ctx, obj, parent, "interval_ns", true, 0,
			  PTIMER_MAX_TIME_NS, &t.interval_ns);
	if (r < 0)
		return r;
	/* Informational: a restore cannot recreate overruns. */
	r = jf_read_int(d->ctx, obj, parent, "overrun", false, 0, INT_MAX, &t.overrun);
	if (r < 0)
		return r;
	return ptimer_dump_add_timer(d->dump, &t);
}

/* After the last timer: no id twice, and the timers in id order. */
static int finish_timers(struct decoder *d)
{
	struct ptimer_dump *dump = d->dump;
	size_t dup, first;
	char key[32];
	int r;

	if (dump->ntimers < 2)
		return 0;
	r = jf_find_duplicate(&dump->timers[0].id, sizeof(*dump->timers),
			      dump->ntimers, &dup, &first);
	if (r < 0)
		return r;
	if (r) {
		snprintf(key, sizeof(key), "timers[%zu]", dup);
		return jf_fail(d->ctx, key, "id", "duplicate id %d (also timers[%zu])",
			       dump->timers[dup].id, first);
	}
	ptimer_dump_sort(dump);
	return 0;
}

static int decode_timers(struct decoder *d, struct json_object *root)
{
	struct json_object *arr;
	size_t n, i;
	int r;

	r = jf_read_container(d->ctx, root, "", "timers", true, json_type_array, &arr);
	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		r = decode_timer(d, json_object_array_get_idx(arr, i), i);
		if (r)
			return r;
	}
	return finish_timers(d);
}

/* Every top-level member but "timers", in the order of their errors. */
static int decode_header(struct decoder *d, struct json_object *root)
{
	int r;

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
	return decode_threads(d, root);
}

/* The members decode_header() reads: one after "timers" means decoding again. */
static bool is_header_key(const char *key)
{
	static const char *const keys[] = {
		"version", "generator", "pid", "comm", "kernel_release", "arch",
		"restore_ids", "captured", "threads",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/*
 * The members this decoder reads.  Any other (a later version's) is
 * checked and stepped over with no tree of it (json_skip_value()): a
 * tree costs about 250 bytes for each 3 of text, so that a document
 * within its size limit could hold one that takes gigabytes.
 */
static bool is_known_key(const char *key)
{
	return !strcmp(key, "timers") || jk_section_index(key) >= 0 || is_header_key(key);
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

/* The checks json-c does not do for us. */
static int check_text(struct ptimer_ctx *ctx, const char *text, size_t len)
{
	const char *nul;

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
	/* Which editors on Windows add, and json-c would call invalid UTF-8. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "the document starts with a"
				     " byte order mark (U+FEFF), which JSON does not allow;"
				     " remove its first 3 bytes");
	return 0;
}

/*
 * The outer document without a tree of it.  json-c has no event parser,
 * and a tree of 96k timers costs over 200 MB, so the top-level object is
 * scanned here: each member but "timers" is parsed by json-c into a small
 * object kept in @root (the sections are small), and each element of the
 * "timers" array is parsed by json-c, decoded by decode_timer() and freed.
 * The scanner knows only what separates members and elements; any value
 * is json-c's to parse, with the same flags as before.  On anything it
 * does not expect it stops, and scan_report() has json-c say what is
 * wrong there, as a parse of the whole document would, without one.
 *
 * The timers are decoded during the scan once the members before them
 * decode (as our encoder orders them); a document that changes one of
 * those members after "timers", or has two "timers", is decoded again
 * from the array's recorded position once the scan is over, so that the
 * result and the first error are the same as from the tree.
 */
/* Where in the document the scan is, for scan_report(). */
enum scan_at {
	AT_TOP,			/* the document, which is no object */
	AT_FIRST_KEY,		/* just after the top-level '{' */
	AT_KEY,			/* after a member's ',' */
	AT_COLON,		/* after a member's key */
	AT_VALUE,		/* after a member's ':' */
	AT_AFTER_TIMERS,	/* after the "timers" ']' */
	AT_FIRST_ELEMENT,	/* just after the "timers" '[' */
	AT_ELEMENT,		/* after an element's ',' */
	AT_END,			/* after the closing '}' */
};

/*
 * The bytes that leave json-c where a parse of the whole document is at
 * each point: in the same state and at the same depth, so that the same
 * next bytes give the same error.  What follows a value is replayed with
 * the value (json-c refuses "1x" as a number, not as a separator), but
 * for the "timers" array, which is not parsed whole.
 */
static const char *const scan_context[] = {
	[AT_TOP] = "",
	[AT_FIRST_KEY] = "{",
	[AT_KEY] = "{\"\":0,",
	[AT_COLON] = "{\"\"",
	[AT_VALUE] = "{\"\":",
	[AT_AFTER_TIMERS] = "{\"\":[]",
	[AT_FIRST_ELEMENT] = "{\"\":[",
	[AT_ELEMENT] = "{\"\":[0,",
	[AT_END] = "{}",
};

struct scan {
	struct decoder *d;
	const char *text;
	size_t len;
	struct json_tokener *tok;	/* a member's value */
	struct json_tokener *elem_tok;	/* an element of "timers" */
	struct json_object *root;	/* the members but "timers" */
	size_t timers_at;		/* offset of the last "timers" array's '[' */
	unsigned int ntimers_members;
	bool header_tried;		/* decode_header() ran at the first "timers" */
	int header_ret;
	int timers_ret;			/* the first error of the streamed timers */
	bool redo;			/* the streamed decode does not count */
	/*
	 * The kinds' sections found as arrays, the last of each name
	 * (jk_stream), by their index in jk_sections.
	 */
	struct scan_section {
		bool seen;
		size_t at;		/* its '[' */
		size_t n;		/* its elements */
	} sections[JK_NSECTIONS];
	enum scan_at err_at;		/* where the scan stopped, for scan_report() */
	size_t err_from;		/* the first byte it could not take */
	size_t err_end;			/* where json-c or the scanner failed */
};

#define SCAN_SYNTAX	1		/* not what the scanner expects: scan_report() */

static int scan_fail(struct scan *s, enum scan_at at, size_t from, size_t end)
{
	s->err_at = at;
	s->err_from = from;
	s->err_end = end;
	return SCAN_SYNTAX;
}

static size_t skip_blank(const struct scan *s, size_t pos)
{
	while (pos < s->len && (s->text[pos] == ' ' || s->text[pos] == '\t' ||
				s->text[pos] == '\n' || s->text[pos] == '\r'))
		pos++;
	return pos;
}

/*
 * One JSON value at @pos, by json-c; *end is just past it.  null is NULL.
 * @at is where the value is, should it be malformed.
 */
static int scan_value(struct scan *s, enum scan_at at, size_t pos,
		      struct json_object **val, size_t *end)
{
	/* An element of "timers" is a level deeper in the document than a member. */
	bool element = at == AT_FIRST_ELEMENT || at == AT_ELEMENT;
	struct json_tokener *tok = element ? s->elem_tok : s->tok;
	enum json_tokener_error jerr;

	json_tokener_reset(tok);
	*val = json_tokener_parse_ex(tok, s->text + pos, (int)(s->len - pos));
	jerr = json_tokener_get_error(tok);
	*end = pos + json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* The text is complete: a number at its very end is whole. */
		*val = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		*end = s->len;
	}
	if (jerr == json_tokener_success)
		return 0;
	json_object_put(*val);
	*val = NULL;
	return scan_fail(s, at, pos, *end);
}

/* What scan_elements() does with each element; nonzero stops it. */
typedef int (*scan_element_fn)(struct scan *s, struct json_object *obj, size_t i, void *arg);

/*
 * The array at @pos ('['), element by element, each parsed by json-c,
 * passed to @fn (when not NULL) and freed; *n of them.
 */
static int scan_elements(struct scan *s, size_t pos, scan_element_fn fn, void *arg,
			 size_t *end, size_t *n)
{
	size_t i = 0;
	int r;

	*n = 0;
	pos = skip_blank(s, pos + 1);
	if (pos < s->len && s->text[pos] == ']') {
		*end = pos + 1;
		return 0;
	}
	for (;;) {
		enum scan_at at = i ? AT_ELEMENT : AT_FIRST_ELEMENT;
		struct json_object *obj;
		size_t start = pos;

		r = scan_value(s, at, pos, &obj, &pos);
		if (r)
			return r;
		r = fn ? fn(s, obj, i, arg) : 0;
		json_object_put(obj);
		if (r)
			return r;
		*n = ++i;
		pos = skip_blank(s, pos);
		if (pos < s->len && s->text[pos] == ']') {
			*end = pos + 1;
			return 0;
		}
		if (pos >= s->len || s->text[pos] != ',')
			return scan_fail(s, at, start, pos + 1);
		pos = skip_blank(s, pos + 1);
	}
}

/* A timer decoded during the scan: its first error is kept, and the scan goes on. */
static int scan_timer(struct scan *s, struct json_object *obj, size_t i, void *arg)
{
	(void)arg;
	if (!s->timers_ret)
		s->timers_ret = decode_timer(s->d, obj, i);
	return s->timers_ret == -ENOMEM ? -ENOMEM : 0;
}

/* The "timers" array at @pos ('['), element by element. */
static int scan_timers(struct scan *s, size_t pos, bool decode, size_t *end)
{
	size_t n;

	return scan_elements(s, pos, decode ? scan_timer : NULL, NULL, end, &n);
}

/* A kind's section, streamed; "kinds" is read whole. */
static struct scan_section *scan_section(struct scan *s, const char *key)
{
	int i = jk_section_index(key);

	if (i < 0 || !jk_sections[i].decode_element)
		return NULL;
	return &s->sections[i];
}

static bool stream_count(void *arg, size_t i, size_t *n)
{
	const struct scan_section *sec = &((struct scan *)arg)->sections[i];

	if (!sec->seen)
		return false;
	*n = sec->n;
	return true;
}

struct section_walk {
	jk_element_fn fn;
	struct ptimer_dump *dump;
	void *state;
};

static int walk_element(struct scan *s, struct json_object *obj, size_t i, void *arg)
{
	struct section_walk *w = arg;

	return w->fn(s->d->ctx, obj, i, w->dump, w->state);
}

/* The section, scanned once already: its elements parse as they did then. */
static int stream_each(void *arg, size_t i, jk_element_fn fn, struct ptimer_dump *dump,
		       void *state)
{
	struct scan *s = arg;
	const struct scan_section *sec = &s->sections[i];
	struct section_walk w = { .fn = fn, .dump = dump, .state = state };
	size_t end, n;
	int r;

	r = scan_elements(s, sec->at, walk_element, &w, &end, &n);
	return r == SCAN_SYNTAX ? -PTIMER_ERR_BAD_DUMP : r;
}

/*
 * The top-level sections after the timers: "kinds", and each kind's, by
 * jk_decode_all(), which takes those the scan found as arrays from the
 * text, one element at a time, and any other from @root.
 */
static int decode_sections(struct scan *s)
{
	const struct jk_stream stream = {
		.count = stream_count, .each = stream_each, .arg = s,
	};

	return jk_decode_all(s->d->ctx, s->root, s->d->dump, &stream);
}

/* One member at *pos; *value is where its value starts, SIZE_MAX for "timers". */
static int scan_member(struct scan *s, bool first, size_t *pos, size_t *value)
{
	enum scan_at at = first ? AT_FIRST_KEY : AT_KEY;
	struct json_object *key, *val;
	struct scan_section *sec;
	const char *name;
	size_t p = *pos;
	int r;

	if (p >= s->len || s->text[p] != '"')
		return scan_fail(s, at, p, p + 1);
	r = scan_value(s, at, p, &key, &p);
	if (r)
		return r;
	p = skip_blank(s, p);
	if (p >= s->len || s->text[p] != ':') {
		json_object_put(key);
		return scan_fail(s, AT_COLON, p, p + 1);
	}
	p = skip_blank(s, p + 1);
	name = json_object_get_string(key);
	sec = scan_section(s, name);
	if (!strcmp(name, "timers") && p < s->len && s->text[p] == '[') {
		bool decode = !s->ntimers_members++;

		/* The members before the first "timers" are the header, as we write it. */
		if (decode) {
			s->header_tried = true;
			s->header_ret = decode_header(s->d, s->root);
			decode = !s->header_ret;
		} else {
			s->redo = true;
		}
		s->timers_at = p;
		*value = SIZE_MAX;
		r = scan_timers(s, p, decode, &p);
		json_object_object_del(s->root, "timers");
	} else if (sec && p < s->len && s->text[p] == '[') {
		/* A kind's section: its extent and count now, its elements decoded last. */
		sec->seen = true;
		sec->at = p;
		*value = SIZE_MAX;
		r = scan_elements(s, p, NULL, NULL, &p, &sec->n);
		json_object_object_del(s->root, name);
	} else if (!is_known_key(name)) {
		const char *why;
		size_t bad;

		/*
		 * What follows a container is judged after an empty array, as
		 * after the streamed ones: replayed with its value, json-c would
		 * build the tree of it after all.
		 */
		*value = p < s->len && (s->text[p] == '{' || s->text[p] == '[') ? SIZE_MAX : p;
		/* A member's value is one level below the document's object. */
		r = json_skip_value(s->text, s->len, p, JSON_SKIP_MAX_DEPTH - 1, &p, &bad, &why);
		if (r)
			r = syntax_error(s->d->ctx, s->text, s->len, bad, why);
	} else {
		/*
		 * A header member after the streamed timers, or a "timers"
		 * that is no array after one that was: the last one counts,
		 * so the streamed decode does not.  Such a "timers" stays in
		 * @root for decode_timers() to refuse.
		 */
		if (s->ntimers_members && (is_header_key(name) || !strcmp(name, "timers")))
			s->redo = true;
		/* A section that is no array after one that was: the last one counts. */
		if (sec)
			sec->seen = false;
		*value = p;
		r = scan_value(s, AT_VALUE, p, &val, &p);
		if (!r && json_object_object_add(s->root, name, val)) {
			json_object_put(val);
			r = -ENOMEM;
		}
	}
	json_object_put(key);
	*pos = p;
	return r;
}

static int scan_document(struct scan *s)
{
	size_t pos = skip_blank(s, 0), value;
	bool first = true;
	int r;

	/* No object is no dump: json-c parses it whole, for its error or its type. */
	if (pos >= s->len || s->text[pos] != '{')
		return scan_fail(s, AT_TOP, 0, s->len);
	pos = skip_blank(s, pos + 1);
	if (pos < s->len && s->text[pos] == '}') {
		pos++;
	} else {
		for (;;) {
			r = scan_member(s, first, &pos, &value);
			if (r)
				return r;
			first = false;
			pos = skip_blank(s, pos);
			if (pos < s->len && s->text[pos] == '}') {
				pos++;
				break;
			}
			if (pos < s->len && s->text[pos] == ',') {
				pos = skip_blank(s, pos + 1);
				continue;
			}
			if (value == SIZE_MAX)
				return scan_fail(s, AT_AFTER_TIMERS, pos, pos + 1);
			return scan_fail(s, AT_VALUE, value, pos + 1);
		}
	}
	pos = skip_blank(s, pos);
	return pos == s->len ? 0 : scan_fail(s, AT_END, pos, pos + 1);
}

/*
 * Replay the text from s->err_from to a little past s->err_end (the
 * longest UTF-8 sequence, which json-c checks byte by byte) after the
 * context of s->err_at.  *jerr is the error json-c sets, or success or
 * continue when the replay ends before one; *off is the text's offset of
 * where json-c stopped, *val what it parsed when it did not fail.
 */
static int scan_replay(const struct scan *s, size_t upto, enum json_tokener_error *jerr,
		       struct json_object **val, size_t *off)
{
	const char *context = scan_context[s->err_at];
	size_t clen = strlen(context), n = upto - s->err_from, end;
	struct json_tokener *tok;
	char *buf;

	*val = NULL;
	buf = malloc(clen + n + 1);
	tok = json_tokener_new();
	if (!buf || !tok) {
		free(buf);
		if (tok)
			json_tokener_free(tok);
		return -ENOMEM;
	}
	memcpy(buf, context, clen);
	memcpy(buf + clen, s->text + s->err_from, n);
	/* As json-c cannot tell a truncated text from one still arriving, a NUL ends it. */
	buf[clen + n] = '\0';
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*val = json_tokener_parse_ex(tok, buf, (int)(clen + n + (upto == s->len)));
	*jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	*off = s->err_from + (end > clen + n ? n : end > clen ? end - clen : 0);
	json_tokener_free(tok);
	free(buf);
	return 0;
}

/*
 * The error of a document the scan stopped in, as a parse of the whole
 * document would report it (the fixtures' .expect files hold those
 * messages), with no tree of more than the piece that failed.
 */
static int scan_report(struct ptimer_ctx *ctx, const struct scan *s)
{
	enum json_tokener_error jerr;
	struct json_object *val;
	size_t upto, off;
	int r;

	upto = s->err_end < s->len && s->len - s->err_end > 4 ? s->err_end + 4 : s->len;
	r = scan_replay(s, upto, &jerr, &val, &off);
	if (!r && jerr == json_tokener_continue && upto < s->len) {
		/* Not seen to fail so soon: let json-c read on to the end. */
		json_object_put(val);
		r = scan_replay(s, s->len, &jerr, &val, &off);
	}
	if (r)
		return r;
	if (jerr != json_tokener_success)
		return syntax_error(ctx, s->text, s->len, off, json_tokener_error_desc(jerr));
	/* Only the whole document parses: it is no object. */
	if (!is_blank(s->text + off, s->len - off))
		r = syntax_error(ctx, s->text, s->len, off, "data after the document");
	else
		r = ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "top level: expected object, got %s",
				  jf_describe(val));
	json_object_put(val);
	return r;
}

/* After the scan: the header and timers, as a decode of the tree would have them. */
static int decode_scanned(struct scan *s)
{
	struct decoder *d = s->d;
	size_t end;
	int r;

	if (s->header_tried && !s->redo) {
		if (s->header_ret)
			return s->header_ret;
		r = s->timers_ret ? s->timers_ret : finish_timers(d);
		return r ? r : decode_sections(s);
	}
	if (s->header_tried) {
		/* Start again from an empty dump: the first attempt filled some of it. */
		ptimer_dump_free(d->dump);
		free(d->sorted_tids);
		d->sorted_tids = NULL;
		d->dump = ptimer_dump_new();
		if (!d->dump)
			return -ENOMEM;
	}
	r = decode_header(d, s->root);
	if (r)
		return r;
	if (!s->ntimers_members || json_object_object_get_ex(s->root, "timers", NULL)) {
		/* Missing, or (the last one) no array: the field reader says which. */
		r = decode_timers(d, s->root);
		return r ? r : decode_sections(s);
	}
	s->timers_ret = 0;
	r = scan_timers(s, s->timers_at, true, &end);
	if (r)
		return r == SCAN_SYNTAX ? -PTIMER_ERR_BAD_DUMP : r;
	r = s->timers_ret ? s->timers_ret : finish_timers(d);
	return r ? r : decode_sections(s);
}

int ptimer_dump_from_json(struct ptimer_ctx *ctx, const char *text, size_t len,
			  struct ptimer_dump **dump)
{
	struct decoder d = { .ctx = ctx };
	struct scan s = {
		.d = &d, .text = text, .len = len,
	};
	int r;

	ctx_clear_error(ctx);
	*dump = NULL;
	r = check_text(ctx, text, len);
	if (r)
		return r;
	d.dump = ptimer_dump_new();
	/*
	 * A value is parsed on its own, below the document's object (and
	 * an element of "timers" below its array too): its depth is the
	 * document's limit less the levels above it.
	 */
	s.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH - 1);
	s.elem_tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH - 2);
	s.root = json_object_new_object();
	if (!d.dump || !s.tok || !s.elem_tok || !s.root) {
		r = -ENOMEM;
		goto free_scan;
	}
	/* A value is followed by the rest of the document: the scanner checks that. */
	json_tokener_set_flags(s.tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
			       JSON_TOKENER_VALIDATE_UTF8);
	json_tokener_set_flags(s.elem_tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
	r = scan_document(&s);
	if (!r)
		r = decode_scanned(&s);
	if (r == SCAN_SYNTAX)
		r = scan_report(ctx, &s);
free_scan:
	if (r) {
		if (r == -ENOMEM)
			ctx_set_error(ctx, r, "out of memory decoding the dump");
		ptimer_dump_free(d.dump);
	} else {
		dbg(ctx, "decoded pid %d: %zu threads, %zu timers", d.dump->pid,
		    d.dump->nthreads, d.dump->ntimers);
		*dump = d.dump;
	}
	free(d.sorted_tids);
	json_object_put(s.root);
	if (s.tok)
		json_tokener_free(s.tok);
	if (s.elem_tok)
		json_tokener_free(s.elem_tok);
	return r;
}
