// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document's itimer, timerfd and pending-signal sections, and
 * the "kinds" list that says which sections mean something (format
 * version 2).  Decoding is as strict as the rest of the document: every
 * problem is reported with its field path.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "json_fields.h"
#include "json_format.h"
#include "json_kinds.h"
#include "kabi.h"
#include "kinds.h"
#include "tid_index.h"

#define KEY_KINDS	"kinds"

/* The first allocation failure sticks, so builders can be straight-line code. */
static void put(int *err, struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val) {
		*err = -ENOMEM;
		return;
	}
	if (!obj || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		*err = -ENOMEM;
	}
}

static void put_null(int *err, struct json_object *obj, const char *key)
{
	if (!obj || json_object_object_add(obj, key, NULL))
		*err = -ENOMEM;
}

static void append(int *err, struct json_object *arr, struct json_object *val)
{
	if (!val) {
		*err = -ENOMEM;
		return;
	}
	if (!arr || json_object_array_add(arr, val)) {
		json_object_put(val);
		*err = -ENOMEM;
	}
}

/* Hand over @arr, or drop it on error. */
static int finish(int err, struct json_object *arr, struct json_object **out)
{
	if (!err && !arr)
		err = -ENOMEM;
	if (err) {
		json_object_put(arr);
		*out = NULL;
		return err;
	}
	*out = arr;
	return 0;
}

int jk_encode_kinds(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		    struct json_object **out)
{
	unsigned int kinds = ptimer_dump_kinds(dump);
	struct json_object *arr = json_object_new_array();
	int err = 0;

	if (!kinds || (kinds & ~(unsigned int)PTIMER_KIND_ALL))
		err = ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "kinds: %#x is not a set of"
				    " kinds", kinds);
	else if (dump->ntimers && !(kinds & PTIMER_KIND_POSIX))
		err = ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "timers: %zu timers, but the"
				    " dump does not carry kind \"posix\"", dump->ntimers);
	for (unsigned int bit = 1; bit & PTIMER_KIND_ALL && !err; bit <<= 1)
		if (kinds & bit)
			append(&err, arr, json_object_new_string(ptimer_kind_name(bit)));
	return finish(err, arr, out);
}

static struct json_object *new_sigval(uint64_t sigval)
{
	char buf[2 + SIGVAL_DIGITS + 1];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, sigval);
	return json_object_new_string(buf);
}

static size_t count_itimers(const struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);

	return k->kinds & PTIMER_KIND_ITIMER ? k->nitimers : 0;
}

static int encode_itimer(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, size_t i,
			 struct json_object **out)
{
	const struct ptimer_itimer *it = &dump_kinds_ro(dump)->itimers[i];
	const char *which = ptimer_itimer_name(it->which);
	struct json_object *obj;
	int err = 0;

	if (!which)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "itimers[%zu].which: %d has no"
				     " name", i, it->which);
	obj = json_object_new_object();
	put(&err, obj, "which", json_object_new_string(which));
	put(&err, obj, "value_ns", json_object_new_int64(it->value_ns));
	put(&err, obj, "interval_ns", json_object_new_int64(it->interval_ns));
	return finish(err, obj, out);
}

/* Flag bits as an array of names; -PTIMER_ERR_BAD_DUMP for a bit without one. */
static struct json_object *encode_flags(int *err, unsigned int flags,
					const char *(*name)(unsigned int))
{
	struct json_object *arr = json_object_new_array();

	for (unsigned int bit = 1; bit && !*err; bit <<= 1) {
		if (!(flags & bit))
			continue;
		if (!name(bit)) {
			*err = -PTIMER_ERR_BAD_DUMP;
			break;
		}
		append(err, arr, json_object_new_string(name(bit)));
	}
	return arr;
}

static size_t count_timerfds(const struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);

	return k->kinds & PTIMER_KIND_TIMERFD ? k->ntimerfds : 0;
}

static int encode_timerfd(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, size_t i,
			  struct json_object **out)
{
	const struct ptimer_timerfd *t = &dump_kinds_ro(dump)->timerfds[i];
	const char *clock = ptimer_clock_name(t->clockid);
	struct json_object *obj = json_object_new_object();
	int err = 0;

	put(&err, obj, "fd", json_object_new_int(t->fd));
	put(&err, obj, "clockid", json_object_new_int(t->clockid));
	if (clock)
		put(&err, obj, "clock", json_object_new_string(clock));
	put(&err, obj, "settime_flags",
	    encode_flags(&err, t->settime_flags, kinds_settime_flag_name));
	put(&err, obj, "fd_flags", encode_flags(&err, t->fd_flags, kinds_fd_flag_name));
	put(&err, obj, "ticks", json_object_new_int64((int64_t)t->ticks));
	put(&err, obj, "value_ns", json_object_new_int64(t->value_ns));
	put(&err, obj, "interval_ns", json_object_new_int64(t->interval_ns));
	if (err == -PTIMER_ERR_BAD_DUMP)
		ctx_set_error(ctx, err, "timerfds[%zu]: flags %#x/%#x have bits without a name",
			      i, t->settime_flags, t->fd_flags);
	return finish(err, obj, out);
}

static size_t count_signals(const struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);

	return k->kinds & PTIMER_KIND_SIGNALS ? k->nsignals : 0;
}

static int encode_signal(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, size_t i,
			 struct json_object **out)
{
	const struct ptimer_pending_signal *s = &dump_kinds_ro(dump)->signals[i];
	const char *signame = ptimer_signal_name(s->signo);
	struct json_object *obj = json_object_new_object();
	int err = 0;

	(void)ctx;
	put(&err, obj, "queue", json_object_new_string(s->tid ? "thread" : "process"));
	if (s->tid)
		put(&err, obj, "tid", json_object_new_int(s->tid));
	else
		put_null(&err, obj, "tid");
	put(&err, obj, "signal", json_object_new_int(s->signo));
	if (signame)
		put(&err, obj, "signal_name", json_object_new_string(signame));
	put(&err, obj, "timerid", json_object_new_int(s->timerid));
	put(&err, obj, "overrun", json_object_new_int(s->overrun));
	put(&err, obj, "sigval", new_sigval(s->sigval));
	return finish(err, obj, out);
}

/* Decoding. */

/*
 * An array of distinct names, each turned into a bit by @from_name;
 * @what lists the names for the message.
 */
static int decode_names(struct ptimer_ctx *ctx, struct json_object *val, const char *parent,
			const char *key, int (*from_name)(const char *), const char *what,
			unsigned int *bits)
{
	size_t n;
	int r;

	r = jf_expect_type(ctx, val, parent, key, json_type_array);
	if (r)
		return r;
	*bits = 0;
	n = json_object_array_length(val);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(val, i);
		char path[64];
		const char *name;
		int bit;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		r = jf_expect_type(ctx, item, parent, path, json_type_string);
		if (r)
			return r;
		name = json_object_get_string(item);
		bit = from_name(name);
		if (bit < 0 || strlen(name) != (size_t)json_object_get_string_len(item))
			return jf_fail(ctx, parent, path, "\"%.32s\" is not one of %s", name, what);
		if (*bits & (unsigned int)bit)
			return jf_fail(ctx, parent, path, "duplicate \"%s\"", name);
		*bits |= (unsigned int)bit;
	}
	return 0;
}

int jk_decode_kinds(struct ptimer_ctx *ctx, struct json_object *val, unsigned int *kinds)
{
	int r;

	r = decode_names(ctx, val, "", KEY_KINDS, ptimer_kind_from_name,
			 "posix, itimer, timerfd, signals", kinds);
	if (r)
		return r;
	if (!*kinds)
		return jf_fail(ctx, "", KEY_KINDS, "empty array; expected at least one kind");
	return 0;
}

static int decode_itimer(struct ptimer_ctx *ctx, struct json_object *obj, const char *parent,
			 struct ptimer_itimer *it)
{
	const char *which;
	int r;

	r = jf_expect_type(ctx, obj, "", parent, json_type_object);
	if (r)
		return r;
	r = jf_read_string(ctx, obj, parent, "which", true, &which);
	if (r < 0)
		return r;
	it->which = ptimer_itimer_from_name(which);
	if (it->which < 0)
		return jf_fail(ctx, parent, "which", "\"%.32s\" is not one of real, virtual, prof",
			       which);
	r = jf_read_int64(ctx, obj, parent, "value_ns", true, 0, PTIMER_MAX_TIME_NS,
			  &it->value_ns);
	if (r < 0)
		return r;
	r = jf_read_int64(ctx, obj, parent, "interval_ns", true, 0, PTIMER_MAX_TIME_NS,
			  &it->interval_ns);
	if (r < 0)
		return r;
	/*
	 * Only armed interval timers are dumped.  Value 0 is a periodic
	 * ITIMER_REAL that expired with its SIGALRM pending; anything else
	 * with value 0 would be disarmed.
	 */
	if (!kinds_itimer_armed(it))
		return jf_fail(ctx, parent, "value_ns", "0 is only valid for a periodic"
			       " \"real\" interval timer (expired, its SIGALRM pending)");
	return 0;
}

/*
 * What the sections' elements share: the index of the first itimer of
 * each which (-1 before one), and the dump's threads, indexed once so that
 * each of up to RLIMIT_SIGPENDING signals is not checked against every
 * thread in turn.
 */
struct decode_state {
	int first[KITIMER_COUNT];
	struct tid_index threads;
};

static int itimer_element(struct ptimer_ctx *ctx, struct json_object *obj, size_t i,
			  struct ptimer_dump *dump, void *state)
{
	int *first = ((struct decode_state *)state)->first;
	struct ptimer_itimer it = { 0 };
	char parent[32];
	int r;

	snprintf(parent, sizeof(parent), "itimers[%zu]", i);
	r = decode_itimer(ctx, obj, parent, &it);
	if (r)
		return r;
	if (first[it.which] >= 0)
		return jf_fail(ctx, parent, "which", "duplicate \"%s\" (also itimers[%d])",
			       ptimer_itimer_name(it.which), first[it.which]);
	first[it.which] = (int)i;
	return ptimer_dump_add_itimer(dump, &it);
}

static int decode_timerfd_clock(struct ptimer_ctx *ctx, struct json_object *obj,
				const char *parent, struct ptimer_timerfd *t)
{
	const char *name, *want;
	int r;

	r = jf_read_int(ctx, obj, parent, "clockid", true, INT_MIN, INT_MAX, &t->clockid);
	if (r < 0)
		return r;
	if (!kinds_timerfd_clock_ok(t->clockid))
		return jf_fail(ctx, parent, "clockid", "%d is not a timerfd clock (realtime,"
			       " monotonic, boottime, realtime_alarm, boottime_alarm)",
			       t->clockid);
	want = ptimer_clock_name(t->clockid);
	r = jf_read_string(ctx, obj, parent, "clock", false, &name);
	if (r < 0)
		return r;
	if (r && strcmp(name, want))
		return jf_fail(ctx, parent, "clock", "\"%.32s\" does not match clockid %d (%s)",
			       name, t->clockid, want);
	return 0;
}

static int decode_flags(struct ptimer_ctx *ctx, struct json_object *obj, const char *parent,
			const char *key, int (*from_name)(const char *), const char *what,
			unsigned int *bits)
{
	struct json_object *val;
	int r;

	r = jf_member(ctx, obj, parent, key, true, &val);
	if (r < 0)
		return r;
	return decode_names(ctx, val, parent, key, from_name, what, bits);
}

static int decode_timerfd(struct ptimer_ctx *ctx, struct json_object *obj, const char *parent,
			  struct ptimer_timerfd *t)
{
	int64_t ticks;
	int r;

	r = jf_expect_type(ctx, obj, "", parent, json_type_object);
	if (r)
		return r;
	r = jf_read_int(ctx, obj, parent, "fd", true, 0, INT_MAX, &t->fd);
	if (r < 0)
		return r;
	r = decode_timerfd_clock(ctx, obj, parent, t);
	if (r)
		return r;
	r = decode_flags(ctx, obj, parent, "settime_flags", kinds_settime_flag_from_name,
			 "abstime, cancel_on_set", &t->settime_flags);
	if (r)
		return r;
	r = decode_flags(ctx, obj, parent, "fd_flags", kinds_fd_flag_from_name,
			 "nonblock, cloexec", &t->fd_flags);
	if (r)
		return r;
	r = jf_read_int64(ctx, obj, parent, "ticks", true, 0, INT64_MAX, &ticks);
	if (r < 0)
		return r;
	t->ticks = (uint64_t)ticks;
	r = jf_read_int64(ctx, obj, parent, "value_ns", true, 0, PTIMER_MAX_TIME_NS,
			  &t->value_ns);
	if (r < 0)
		return r;
	r = jf_read_int64(ctx, obj, parent, "interval_ns", true, 0, PTIMER_MAX_TIME_NS,
			  &t->interval_ns);
	return r < 0 ? r : 0;
}

static int timerfd_element(struct ptimer_ctx *ctx, struct json_object *obj, size_t i,
			   struct ptimer_dump *dump, void *state)
{
	struct ptimer_timerfd t = { 0 };
	char parent[32];
	int r;

	(void)state;
	snprintf(parent, sizeof(parent), "timerfds[%zu]", i);
	r = decode_timerfd(ctx, obj, parent, &t);
	return r ? r : ptimer_dump_add_timerfd(dump, &t);
}

/* After the last timerfd: no fd twice. */
static int finish_timerfds(struct ptimer_ctx *ctx, struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);
	size_t dup, first;
	char parent[32];
	int r;

	if (k->ntimerfds < 2)
		return 0;
	r = jf_find_duplicate(&k->timerfds[0].fd, sizeof(*k->timerfds), k->ntimerfds,
			      &dup, &first);
	if (r <= 0)
		return r;
	snprintf(parent, sizeof(parent), "timerfds[%zu]", dup);
	return jf_fail(ctx, parent, "fd", "duplicate fd %d (also timerfds[%zu])",
		       k->timerfds[dup].fd, first);
}

static int decode_queue(struct ptimer_ctx *ctx, struct json_object *obj, const char *parent,
			const struct tid_index *threads, struct ptimer_pending_signal *s)
{
	struct json_object *val;
	const char *queue;
	bool thread;
	size_t pos;
	int r;

	r = jf_read_string(ctx, obj, parent, "queue", true, &queue);
	if (r < 0)
		return r;
	if (strcmp(queue, "thread") && strcmp(queue, "process"))
		return jf_fail(ctx, parent, "queue", "\"%.32s\" is not one of thread, process",
			       queue);
	thread = !strcmp(queue, "thread");
	r = jf_member(ctx, obj, parent, "tid", thread, &val);
	if (r < 0)
		return r;
	if (!thread) {
		if (val)
			return jf_fail(ctx, parent, "tid", "must be null when queue is \"process\"");
		s->tid = 0;
		return 0;
	}
	r = jf_to_int(ctx, val, parent, "tid", 1, INT_MAX, &s->tid);
	if (r)
		return r;
	if (!tid_index_find(threads, s->tid, &pos))
		return jf_fail(ctx, parent, "tid", "%d is not a thread of the dump", s->tid);
	return 0;
}

static int decode_signal(struct ptimer_ctx *ctx, struct json_object *obj, const char *parent,
			 const struct tid_index *threads, struct ptimer_pending_signal *s)
{
	const char *name;
	int r;

	r = jf_expect_type(ctx, obj, "", parent, json_type_object);
	if (r)
		return r;
	r = decode_queue(ctx, obj, parent, threads, s);
	if (r)
		return r;
	r = jf_read_int(ctx, obj, parent, "signal", true, 1, KSIGMAX, &s->signo);
	if (r < 0)
		return r;
	if (s->signo == SIGKILL)
		return jf_fail(ctx, parent, "signal", "%d (SIGKILL) is never left pending:"
			       " queued, it would kill the process", s->signo);
	/* Informational, as in "timers": "signal" is what counts. */
	r = jf_read_string(ctx, obj, parent, "signal_name", false, &name);
	if (r < 0)
		return r;
	r = jf_read_int(ctx, obj, parent, "timerid", true, 0, INT_MAX, &s->timerid);
	if (r < 0)
		return r;
	r = jf_read_int(ctx, obj, parent, "overrun", true, 0, INT_MAX, &s->overrun);
	if (r < 0)
		return r;
	r = jf_read_string(ctx, obj, parent, "sigval", true, &name);
	if (r < 0)
		return r;
	if (jf_parse_sigval(name, &s->sigval))
		return jf_fail(ctx, parent, "sigval", "\"%.24s\" is not 0x and 1 to 16 hex digits",
			       name);
	return 0;
}

static int signal_element(struct ptimer_ctx *ctx, struct json_object *obj, size_t i,
			  struct ptimer_dump *dump, void *state)
{
	struct ptimer_pending_signal sig = { 0 };
	char parent[40];
	int r;

	snprintf(parent, sizeof(parent), "pending_signals[%zu]", i);
	r = decode_signal(ctx, obj, parent, &((struct decode_state *)state)->threads, &sig);
	return r ? r : ptimer_dump_add_signal(dump, &sig);
}

const struct jk_section jk_sections[] = {
	{ .key = KEY_KINDS, .encode = jk_encode_kinds },
	{
		.key = "itimers", .kind = PTIMER_KIND_ITIMER,
		.count = count_itimers, .encode_element = encode_itimer,
		.decode_element = itimer_element,
	}, {
		.key = "timerfds", .kind = PTIMER_KIND_TIMERFD,
		.count = count_timerfds, .encode_element = encode_timerfd,
		.decode_element = timerfd_element, .finish = finish_timerfds,
	}, {
		.key = "pending_signals", .kind = PTIMER_KIND_SIGNALS,
		.count = count_signals, .encode_element = encode_signal,
		.decode_element = signal_element,
	},
};

/* The scan sizes its table by it: an entry left out would be a NULL key. */
static_assert(ARRAY_SIZE(jk_sections) == JK_NSECTIONS, "JK_NSECTIONS counts jk_sections");

int jk_section_index(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(jk_sections); i++)
		if (!strcmp(key, jk_sections[i].key))
			return (int)i;
	return -1;
}

static int not_in_kinds(struct ptimer_ctx *ctx, const struct jk_section *sec)
{
	return jf_fail(ctx, "", sec->key, "present, but \"%s\" is not in kinds",
		       ptimer_kind_name(sec->kind));
}

/*
 * A kind's section that the scan did not stream, being no array: refused
 * as no array when the kind is in "kinds", else for being there at all.
 */
static int decode_no_array(struct ptimer_ctx *ctx, struct json_object *root,
			   const struct jk_section *sec, bool want)
{
	struct json_object *val;
	int r;

	r = jf_member(ctx, root, "", sec->key, want, &val);
	if (r <= 0)
		return r;
	if (!want)
		return not_in_kinds(ctx, sec);
	r = jf_expect_type(ctx, val, "", sec->key, json_type_array);
	/* An array here is the scan's bug, not the document's. */
	return r ? r : ctx_set_error(ctx, -EPROTO, "%s: an array the scan did not stream",
				     sec->key);
}

static int decode_sections(struct ptimer_ctx *ctx, struct json_object *root,
			   struct ptimer_dump *dump, const struct jk_stream *stream,
			   unsigned int kinds, struct decode_state *state)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(jk_sections); i++) {
		const struct jk_section *sec = &jk_sections[i];
		bool want = kinds & sec->kind;
		size_t n;

		if (!sec->decode_element)
			continue;
		if (!stream->count(stream->arg, i, &n)) {
			r = decode_no_array(ctx, root, sec, want);
			if (r)
				return r;
			continue;
		}
		if (!want && n)
			return not_in_kinds(ctx, sec);
		for (size_t w = 0; w < ARRAY_SIZE(state->first); w++)
			state->first[w] = -1;
		r = stream->each(stream->arg, i, sec->decode_element, dump, state);
		if (!r && sec->finish)
			r = sec->finish(ctx, dump);
		if (r)
			return r;
	}
	return 0;
}

int jk_decode_all(struct ptimer_ctx *ctx, struct json_object *root, struct ptimer_dump *dump,
		  const struct jk_stream *stream)
{
	struct decode_state state = { 0 };
	struct json_object *val;
	unsigned int kinds;
	int r;

	if (dump->version < 2) {
		ptimer_dump_set_kinds(dump, PTIMER_KIND_POSIX);
		return 0;
	}
	r = jf_member(ctx, root, "", KEY_KINDS, true, &val);
	if (r < 0)
		return r;
	r = jk_decode_kinds(ctx, val, &kinds);
	if (r)
		return r;
	if (dump->ntimers && !(kinds & PTIMER_KIND_POSIX))
		return jf_fail(ctx, "", "timers", "not empty, but \"posix\" is not in kinds");
	if (tid_index_of(&state.threads, dump->tids, dump->nthreads))
		return -ENOMEM;
	r = decode_sections(ctx, root, dump, stream, kinds, &state);
	tid_index_free(&state.threads);
	if (r)
		return r;
	ptimer_dump_set_kinds(dump, kinds);
	kinds_sort(dump);
	return 0;
}
