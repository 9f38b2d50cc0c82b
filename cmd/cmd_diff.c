// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimerctl diff: did the migration work?  Compare a dump with a live
 * process (dumped here, without changing it) or with another dump, timer
 * by timer and field by field, through the thread mapping a restore uses.
 * Exit 0 when equal and 1 when not, as diff(1) and cmp(1) do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>

#include <json-c/json.h>

#include "cli.h"

/* diff's own meaning of 1, as diff(1)'s. */
#define EXIT_DIFFERENT	1

/* A few ms: a capture's own spread, and a restore's between arming and its dump. */
#define DIFF_DEFAULT_TOLERANCE_NS	(5 * 1000000LL)

struct diff_args {
	const char *old_path;
	const char *new_path;		/* NULL: new_pid */
	pid_t new_pid;
	int64_t tolerance_ns;
	struct ptimer_tid_map *tid_map;
	size_t ntid_map;
	bool json;
	bool keep_seccomp;
};

/* The two sides, named for messages: "timers.json", "pid 5678". */
struct diff_side {
	const struct ptimer_dump *dump;
	char label[96];
};

/*
 * What a difference is about: a POSIX timer by ID, an interval timer by
 * which, a timerfd by descriptor, or one queued timer signal.
 */
struct diff_subject {
	unsigned int kind;			/* PTIMER_KIND_* */
	int id;					/* timer ID, ITIMER_*, or fd */
	const struct ptimer_pending_signal *sig;	/* the signal, as OLD has it */
	pid_t sig_tid;				/* its thread in NEW's numbering */
	char text[128];				/* "timer 7", for people */
};

/* What the comparison of two captures needs besides them. */
struct diff_ctx {
	struct diff_side old, new;
	struct ptimer_tid_map *map;	/* old tid -> new tid */
	size_t nmap;
	int64_t elapsed_ns;		/* between the two captures */
	int64_t tolerance_ns;
	struct json_object *json;	/* the differences for -J, or NULL */
	FILE *out;			/* where the lines go without -J */
	size_t ndiff;
	int err;			/* out of memory, -errno */
};

enum { OPT_TOLERANCE = 0x100, OPT_TID_MAP };

static const struct argp_option diff_options[] = {
	{ "json", 'J', NULL, 0, "Print the differences as a JSON object", 0 },
	{ "tolerance", OPT_TOLERANCE, "TIME", 0, "Let remaining times differ by TIME (default"
	  " 5ms: 250us, 0.1s, ...) plus the time between the two captures", 0 },
	{ "tid-map", OPT_TID_MAP, "OLD:NEW[,...]", 0,
	  "Map dumped thread ids to NEW's threads (default: in creation order)", 0 },
	CLI_KEEP_SECCOMP_OPTION,
	{ 0 }
};

/* "5ms", "250us", "0.1s", "42ns", or seconds without a unit; -1 if invalid. */
static int64_t parse_duration(const char *arg)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || !(v >= 0) || arg[0] == '-')
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit) && v * units[i].ns < 1e18)
			return (int64_t)(v * units[i].ns + 0.5);
	return -1;
}

static bool all_digits(const char *s)
{
	return s[0] && strspn(s, "0123456789") == strlen(s);
}

static error_t parse_diff(int key, char *arg, struct argp_state *state)
{
	struct diff_args *a = state->input;

	switch (key) {
	case 'J':
		a->json = true;
		break;
	case OPT_TOLERANCE:
		a->tolerance_ns = parse_duration(arg);
		if (a->tolerance_ns < 0)
			cli_usage_error(state, "invalid --tolerance '%s': expected a time such"
					" as 5ms, 250us or 0.1s", arg);
		break;
	case OPT_TID_MAP:
		cli_parse_tid_map(state, arg, &a->tid_map, &a->ntid_map);
		break;
	case CLI_OPT_KEEP_SECCOMP:
		a->keep_seccomp = true;
		break;
	case ARGP_KEY_ARG:
		if (!a->old_path) {
			a->old_path = arg;
		} else if (!a->new_path && !a->new_pid) {
			/* A number is a process; a file named with digits is ./123. */
			if (all_digits(arg))
				a->new_pid = cli_parse_pid(state, arg);
			else
				a->new_path = arg;
		} else {
			cli_usage_error(state, "unexpected argument '%s'", arg);
		}
		break;
	case ARGP_KEY_END:
		if (!a->new_path && !a->new_pid)
			cli_usage_error(state, "expected a DUMP and a PID or a second DUMP");
		if (a->new_path && !strcmp(a->old_path, "-") && !strcmp(a->new_path, "-"))
			cli_usage_error(state, "only one of the dumps can be stdin");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp diff_argp = {
	.options = diff_options,
	.parser = parse_diff,
	.args_doc = "DUMP PID\nDUMP DUMP2",
	.doc = "Compare the timers of a dump (- for stdin) with those of process PID,"
	       " which is dumped without being changed, or with those of a second dump:"
	       " every timer ID, and for each its clock, notification, signal, sigval,"
	       " thread (mapped as restore maps it), interval and remaining time; and"
	       " the other kinds both carry: itimers by which, timerfds by descriptor,"
	       " queued timer signals as a multiset.  A"
	       " second operand of digits only is a PID; write a file so named as ./123."
	       "\vExit status: 0 equal, 1 different, 2 or more trouble (see ptimerctl(1))."
	       "\nExamples:\n"
	       "  ptimerctl diff timers.json 5678\n"
	       "  ptimerctl diff --tolerance=50ms -J before.json after.json",
};

static const pid_t *map_find(const struct diff_ctx *d, pid_t from)
{
	const struct ptimer_tid_map *m = ptimer_private_tid_map_find(d->map, d->nmap, from);

	return m ? &m->to : NULL;
}

static void ns_label(int64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ".%09" PRId64 "s", ns / 1000000000, ns % 1000000000);
}

static void subject_posix(struct diff_subject *s, int id)
{
	*s = (struct diff_subject){ .kind = PTIMER_KIND_POSIX, .id = id };
	snprintf(s->text, sizeof(s->text), "timer %d", id);
}

/* The members that name @s in a -J difference. */
static void subject_json(struct json_object *o, const struct diff_subject *s)
{
	const char *name;

	json_object_object_add(o, "kind", json_object_new_string(ptimer_kind_name(s->kind)));
	switch (s->kind) {
	case PTIMER_KIND_POSIX:
		json_object_object_add(o, "id", json_object_new_int(s->id));
		break;
	case PTIMER_KIND_ITIMER:
		name = ptimer_itimer_name(s->id);
		json_object_object_add(o, "which", json_object_new_string(name ? name : "?"));
		break;
	case PTIMER_KIND_TIMERFD:
		json_object_object_add(o, "fd", json_object_new_int(s->id));
		break;
	case PTIMER_KIND_SIGNALS: {
		char val[32];

		name = ptimer_signal_name(s->sig->signo);
		snprintf(val, sizeof(val), "0x%016" PRIx64, s->sig->sigval);
		json_object_object_add(o, "queue", json_object_new_string(s->sig_tid ? "thread" :
									  "process"));
		json_object_object_add(o, "tid", s->sig_tid ? json_object_new_int(s->sig_tid) :
				       NULL);
		json_object_object_add(o, "signal", json_object_new_string(name ? name : "?"));
		json_object_object_add(o, "timerid", json_object_new_int(s->sig->timerid));
		json_object_object_add(o, "sigval", json_object_new_string(val));
		break;
	}
	}
}

/*
 * One difference.  @old_text and @new_text are for people; @old_val and
 * @new_val, for -J, are taken over (NULL is JSON null).  @why adds a
 * reason to the line, or NULL.
 */
static void report(struct diff_ctx *d, const struct diff_subject *s, const char *field,
		   const char *old_text, const char *new_text, struct json_object *old_val,
		   struct json_object *new_val, const char *why)
{
	d->ndiff++;
	if (d->json) {
		struct json_object *o = json_object_new_object();

		subject_json(o, s);
		json_object_object_add(o, "field", json_object_new_string(field));
		json_object_object_add(o, "old", old_val);
		json_object_object_add(o, "new", new_val);
		if (why)
			json_object_object_add(o, "why", json_object_new_string(why));
		json_object_array_add(d->json, o);
		return;
	}
	json_object_put(old_val);
	json_object_put(new_val);
	fprintf(d->out, "%s: %s: %s in %s, %s in %s%s%s%s\n", s->text, field, old_text,
		d->old.label, new_text, d->new.label, why ? " (" : "", why ? why : "",
		why ? ")" : "");
}

/* @s is on one side only; -J names the field after the kind ("timer", "timerfd", ...). */
static void report_presence(struct diff_ctx *d, const struct diff_subject *s, const char *field,
			    bool in_old)
{
	d->ndiff++;
	if (d->json) {
		struct json_object *o = json_object_new_object();

		subject_json(o, s);
		json_object_object_add(o, "field", json_object_new_string(field));
		json_object_object_add(o, "old", json_object_new_boolean(in_old));
		json_object_object_add(o, "new", json_object_new_boolean(!in_old));
		json_object_array_add(d->json, o);
		return;
	}
	fprintf(d->out, "%s: only in %s\n", s->text, in_old ? d->old.label : d->new.label);
}

/* The old timer's clock as NEW should have it: a CPU clock follows its process or thread. */
static void compare_clock(struct diff_ctx *d, const struct ptimer_timer *o,
			  const struct ptimer_timer *n)
{
	pid_t owner = ptimer_cpu_clock_pid(o->clockid);
	char ot[48], nt[48], why[96];
	struct diff_subject s;
	int want = o->clockid;
	const pid_t *to;

	why[0] = '\0';
	if (ptimer_clock_is_cpu(o->clockid) && owner) {
		to = map_find(d, owner);
		if (to) {
			want = ptimer_cpu_clock_make(*to, ptimer_cpu_clock_is_thread(o->clockid),
						     ptimer_cpu_clock_which(o->clockid));
			snprintf(why, sizeof(why), "pid %d maps to %d", owner, *to);
		} else {
			snprintf(why, sizeof(why), "pid %d has no counterpart", owner);
		}
		if (to && want == n->clockid)
			return;
	} else if (want == n->clockid) {
		return;
	}
	cli_clock_label(ot, sizeof(ot), o->clockid);
	cli_clock_label(nt, sizeof(nt), n->clockid);
	subject_posix(&s, o->id);
	report(d, &s, "clock", ot, nt, json_object_new_string(ot), json_object_new_string(nt),
	       why[0] ? why : NULL);
}

static void compare_thread(struct diff_ctx *d, const struct ptimer_timer *o,
			   const struct ptimer_timer *n)
{
	const pid_t *to = map_find(d, o->notify_pid);
	char ot[32], nt[32], why[64];
	struct diff_subject s;

	if (to && *to == n->notify_pid)
		return;
	snprintf(ot, sizeof(ot), "%d", o->notify_pid);
	snprintf(nt, sizeof(nt), "%d", n->notify_pid);
	if (to)
		snprintf(why, sizeof(why), "%d maps to %d", o->notify_pid, *to);
	else
		snprintf(why, sizeof(why), "%d has no counterpart", o->notify_pid);
	subject_posix(&s, o->id);
	report(d, &s, "thread", ot, nt, json_object_new_int(o->notify_pid),
	       json_object_new_int(n->notify_pid), why);
}

/*
 * Whether NEW's remaining time @n_value fits OLD's @o_value (reloading
 * every @o_interval): within the elapsed time plus the tolerance (a frozen
 * restore has counted down less, a deadline one as much), or, for a timer
 * that may have expired in between, anywhere in its period (periodic) or
 * at 0: a one-shot is done, and a periodic ITIMER_REAL reads 0 until its
 * SIGALRM is delivered, when the kernel re-arms it.
 */
/* @a + @b, both >= 0, held at INT64_MAX: a remaining time may be the kernel's KTIME_MAX. */
static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* How far apart two readings of a timer may be: the time between the dumps, and the tolerance. */
static int64_t slack_of(const struct diff_ctx *d)
{
	return add_sat(d->elapsed_ns, d->tolerance_ns);
}

static bool remaining_fits(const struct diff_ctx *d, int64_t o_value, int64_t o_interval,
			   int64_t n_value)
{
	int64_t slack = slack_of(d);
	bool may_have_expired = o_value <= slack;

	if (!o_value || !n_value)
		return o_value == n_value || (may_have_expired && !n_value);
	if (llabs(o_value - n_value) <= slack)
		return true;
	return may_have_expired && o_interval && n_value <= add_sat(o_interval, d->tolerance_ns);
}

/* The interval (exact) and remaining time (within the slack) of any kind of timer. */
static void compare_times(struct diff_ctx *d, const struct diff_subject *s, int64_t o_value,
			  int64_t o_interval, int64_t n_value, int64_t n_interval)
{
	char ot[32], nt[32], why[64], slack[32];

	if (o_interval != n_interval) {
		ns_label(o_interval, ot, sizeof(ot));
		ns_label(n_interval, nt, sizeof(nt));
		report(d, s, "interval", ot, nt, json_object_new_int64(o_interval),
		       json_object_new_int64(n_interval), NULL);
	}
	if (remaining_fits(d, o_value, o_interval, n_value))
		return;
	ns_label(o_value, ot, sizeof(ot));
	ns_label(n_value, nt, sizeof(nt));
	ns_label(slack_of(d), slack, sizeof(slack));
	snprintf(why, sizeof(why), "more than the %s allowed", slack);
	report(d, s, "remaining", ot, nt, json_object_new_int64(o_value),
	       json_object_new_int64(n_value), why);
}

/*
 * How @t notifies: a thread_id timer whose thread had exited signals no
 * one, as SIGEV_NONE, and a restore makes it so (ptimerctl(1), diff),
 * unless a pair of the map, of the old side's tids, aims it at a thread.
 */
static int notify_of(const struct diff_ctx *d, const struct ptimer_dump *dump,
		     const struct ptimer_timer *t)
{
	if (!ptimer_private_thread_exited(dump, t))
		return t->notify;
	return dump == d->old.dump && map_find(d, t->notify_pid) ? t->notify : PTIMER_NOTIFY_NONE;
}

static void compare_timer(struct diff_ctx *d, const struct ptimer_timer *o,
			  const struct ptimer_timer *n)
{
	int o_notify = notify_of(d, d->old.dump, o), n_notify = notify_of(d, d->new.dump, n);
	bool signals = o_notify != PTIMER_NOTIFY_NONE && n_notify != PTIMER_NOTIFY_NONE;
	struct diff_subject s;
	char ot[32], nt[32];

	subject_posix(&s, o->id);
	compare_clock(d, o, n);
	if (o_notify != n_notify) {
		const char *on = ptimer_notify_name(o_notify), *nn = ptimer_notify_name(n_notify);

		report(d, &s, "notify", on ? on : "?", nn ? nn : "?",
		       json_object_new_string(on ? on : "?"),
		       json_object_new_string(nn ? nn : "?"), NULL);
	}
	/* SIGEV_NONE sends nothing: its signal and value mean nothing either. */
	if (signals && o->signo != n->signo) {
		const char *os = ptimer_signal_name(o->signo), *ns = ptimer_signal_name(n->signo);

		snprintf(ot, sizeof(ot), "%s", os ? os : "?");
		snprintf(nt, sizeof(nt), "%s", ns ? ns : "?");
		report(d, &s, "signal", ot, nt, json_object_new_string(ot),
		       json_object_new_string(nt), NULL);
	}
	if (signals && o->sigval != n->sigval) {
		snprintf(ot, sizeof(ot), "0x%" PRIx64, o->sigval);
		snprintf(nt, sizeof(nt), "0x%" PRIx64, n->sigval);
		report(d, &s, "sigval", ot, nt, json_object_new_string(ot),
		       json_object_new_string(nt), NULL);
	}
	if (o_notify == PTIMER_NOTIFY_THREAD_ID && n_notify == PTIMER_NOTIFY_THREAD_ID)
		compare_thread(d, o, n);
	compare_times(d, &s, o->value_ns, o->interval_ns, n->value_ns, n->interval_ns);
}

/* Both dumps list their timers by ascending ID: walk them side by side. */
static void compare_posix(struct diff_ctx *d)
{
	const struct ptimer_dump *o = d->old.dump, *n = d->new.dump;
	struct diff_subject s;
	size_t i = 0, k = 0;

	while (i < o->ntimers || k < n->ntimers) {
		if (k == n->ntimers || (i < o->ntimers && o->timers[i].id < n->timers[k].id)) {
			subject_posix(&s, o->timers[i++].id);
			report_presence(d, &s, "timer", true);
		} else if (i == o->ntimers || n->timers[k].id < o->timers[i].id) {
			subject_posix(&s, n->timers[k++].id);
			report_presence(d, &s, "timer", false);
		} else {
			compare_timer(d, &o->timers[i], &n->timers[k]);
			i++;
			k++;
		}
	}
}

static void subject_itimer(struct diff_subject *s, int which)
{
	const char *name = ptimer_itimer_name(which);

	*s = (struct diff_subject){ .kind = PTIMER_KIND_ITIMER, .id = which };
	snprintf(s->text, sizeof(s->text), "itimer %s", name ? name : "?");
}

static const struct ptimer_itimer *find_itimer(const struct ptimer_itimer *it, size_t n,
					       int which)
{
	for (size_t i = 0; i < n; i++)
		if (it[i].which == which)
			return &it[i];
	return NULL;
}

/* Interval timers by which (a dump holds the armed ones): interval exact, remaining within. */
static void compare_itimers(struct diff_ctx *d)
{
	size_t no, nn;
	const struct ptimer_itimer *o = ptimer_dump_itimers(d->old.dump, &no);
	const struct ptimer_itimer *n = ptimer_dump_itimers(d->new.dump, &nn);
	static const int which[] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };

	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		const struct ptimer_itimer *a = find_itimer(o, no, which[i]);
		const struct ptimer_itimer *b = find_itimer(n, nn, which[i]);
		struct diff_subject s;

		subject_itimer(&s, which[i]);
		if (a && b)
			compare_times(d, &s, a->value_ns, a->interval_ns, b->value_ns,
				      b->interval_ns);
		/*
		 * One that may have expired since OLD may be disarmed in NEW:
		 * a one-shot is done, and since 6.13 the kernel re-arms a
		 * periodic one only when its signal is delivered, so it shows
		 * disarmed while the signal waits, blocked.
		 */
		else if (a && a->value_ns <= slack_of(d))
			continue;
		else if (a || b)
			report_presence(d, &s, "itimer", a);
	}
}

/* "abstime,cancel_on_set" / "nonblock,cloexec"; "-" for none. */
static void tfd_flags_label(char *buf, size_t len, unsigned int flags, bool settime)
{
	static const unsigned int settime_bits[] = { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET };
	static const char *const settime_names[] = { "abstime", "cancel_on_set" };
	static const unsigned int fd_bits[] = { TFD_NONBLOCK, TFD_CLOEXEC };
	static const char *const fd_names[] = { "nonblock", "cloexec" };
	const unsigned int *bits = settime ? settime_bits : fd_bits;
	const char *const *names = settime ? settime_names : fd_names;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 2; i++)
		if (flags & bits[i])
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "," : "", names[i]);
	if (!used)
		snprintf(buf, len, "-");
}

/*
 * The expirations a timerfd armed with @value (reloading every
 * @interval) can add to its ticks in the slack: none if it cannot expire
 * in it, else one, and one more per interval left.
 */
static uint64_t tfd_expiries(const struct diff_ctx *d, int64_t value, int64_t interval)
{
	int64_t slack = slack_of(d);

	if (!value || value > slack)
		return 0;
	return 1 + (interval ? (uint64_t)((slack - value) / interval) : 0);
}

static void compare_timerfd(struct diff_ctx *d, const struct ptimer_timerfd *o,
			    const struct ptimer_timerfd *n)
{
	uint64_t more = tfd_expiries(d, o->value_ns, o->interval_ns);
	struct diff_subject s = { .kind = PTIMER_KIND_TIMERFD, .id = o->fd };
	char ot[48], nt[48], why[64];

	snprintf(s.text, sizeof(s.text), "timerfd %d", o->fd);
	if (o->clockid != n->clockid) {
		const char *oc = ptimer_clock_name(o->clockid), *nc = ptimer_clock_name(n->clockid);

		report(d, &s, "clock", oc ? oc : "?", nc ? nc : "?",
		       json_object_new_string(oc ? oc : "?"), json_object_new_string(nc ? nc : "?"),
		       NULL);
	}
	if (o->settime_flags != n->settime_flags) {
		tfd_flags_label(ot, sizeof(ot), o->settime_flags, true);
		tfd_flags_label(nt, sizeof(nt), n->settime_flags, true);
		report(d, &s, "settime", ot, nt, json_object_new_string(ot),
		       json_object_new_string(nt), NULL);
	}
	if (o->fd_flags != n->fd_flags) {
		tfd_flags_label(ot, sizeof(ot), o->fd_flags, false);
		tfd_flags_label(nt, sizeof(nt), n->fd_flags, false);
		report(d, &s, "fdflags", ot, nt, json_object_new_string(ot),
		       json_object_new_string(nt), NULL);
	}
	/* Ticks only grow, by the expiries the slack leaves room for (a read resets them). */
	if (n->ticks < o->ticks || n->ticks - o->ticks > more) {
		snprintf(ot, sizeof(ot), "%" PRIu64, o->ticks);
		snprintf(nt, sizeof(nt), "%" PRIu64, n->ticks);
		snprintf(why, sizeof(why), "%" PRIu64 " more at most", more);
		report(d, &s, "ticks", ot, nt, json_object_new_int64((int64_t)o->ticks),
		       json_object_new_int64((int64_t)n->ticks), why);
	}
	compare_times(d, &s, o->value_ns, o->interval_ns, n->value_ns, n->interval_ns);
}

static int cmp_fd(const void *a, const void *b)
{
	const struct ptimer_timerfd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* A copy of @dump's timerfds in ascending order of fd (a file may list them in any). */
static struct ptimer_timerfd *sorted_timerfds(const struct ptimer_dump *dump, size_t *n)
{
	const struct ptimer_timerfd *t = ptimer_dump_timerfds(dump, n);
	struct ptimer_timerfd *copy = malloc((*n ? *n : 1) * sizeof(*copy));

	if (!copy)
		return NULL;
	if (*n)
		memcpy(copy, t, *n * sizeof(*copy));
	qsort(copy, *n, sizeof(*copy), cmp_fd);
	return copy;
}

/* Timerfds by descriptor: walk both lists side by side. */
static void compare_timerfds(struct diff_ctx *d)
{
	size_t no, nn, i = 0, k = 0;
	struct ptimer_timerfd *o = sorted_timerfds(d->old.dump, &no);
	struct ptimer_timerfd *n = sorted_timerfds(d->new.dump, &nn);
	struct diff_subject s = { .kind = PTIMER_KIND_TIMERFD };

	if (!o || !n) {
		d->err = -ENOMEM;
		goto free_lists;
	}
	while (i < no || k < nn) {
		bool old_only = k == nn || (i < no && o[i].fd < n[k].fd);

		if (old_only || i == no || n[k].fd < o[i].fd) {
			s.id = old_only ? o[i++].fd : n[k++].fd;
			snprintf(s.text, sizeof(s.text), "timerfd %d", s.id);
			report_presence(d, &s, "timerfd", old_only);
		} else {
			compare_timerfd(d, &o[i], &n[k]);
			i++;
			k++;
		}
	}
free_lists:
	free(n);
	free(o);
}

/* OLD's signal in NEW's numbering: its thread through the map (-1: no counterpart). */
static pid_t signal_tid(const struct diff_ctx *d, const struct ptimer_pending_signal *sig)
{
	const pid_t *to;

	if (!sig->tid)
		return 0;
	to = map_find(d, sig->tid);
	return to ? *to : -1;
}

static void subject_signal(struct diff_subject *s, const struct ptimer_pending_signal *sig,
			   pid_t tid)
{
	const char *name = ptimer_signal_name(sig->signo);
	int len;

	*s = (struct diff_subject){ .kind = PTIMER_KIND_SIGNALS, .sig = sig, .sig_tid = tid };
	len = snprintf(s->text, sizeof(s->text), "pending signal %s of timer %d, sigval 0x%"
		       PRIx64 ", ", name ? name : "?", sig->timerid, sig->sigval);
	if (tid)
		snprintf(s->text + len, sizeof(s->text) - (size_t)len, "thread %d", tid);
	else
		snprintf(s->text + len, sizeof(s->text) - (size_t)len, "process queue");
}

static int timer_id_cmp(const void *key, const void *elem)
{
	int id = *(const int *)key, other = ((const struct ptimer_timer *)elem)->id;

	return (id > other) - (id < other);
}

/*
 * Whether OLD's POSIX timer @timerid may have queued @sig in NEW since
 * OLD was taken: it was armed to expire within the slack.  (A dump's
 * timers are ascending by id.)
 */
static bool may_have_fired(const struct diff_ctx *d, const struct ptimer_pending_signal *sig)
{
	const struct ptimer_dump *o = d->old.dump;
	const struct ptimer_timer *t = o->ntimers ? bsearch(&sig->timerid, o->timers, o->ntimers,
							    sizeof(*t), timer_id_cmp) : NULL;

	return t && t->value_ns && t->value_ns <= slack_of(d) && t->signo == sig->signo;
}

/* One of NEW's signals, and its place in NEW's list. */
struct signal_ref {
	const struct ptimer_pending_signal *sig;
	size_t place;
};

/* NEW's signals, sorted by signal_key_cmp(), then by place. */
struct signal_index {
	struct signal_ref *by_key;
	size_t *taken;		/* at a run's first slot: how many of the run are matched */
	size_t n;
};

/* OLD's @a, its thread mapped to @a_tid, against NEW's @b: 0 for the same signal. */
static int signal_key_cmp(const struct ptimer_pending_signal *a, pid_t a_tid,
			  const struct ptimer_pending_signal *b)
{
	if (a_tid != b->tid)
		return a_tid < b->tid ? -1 : 1;
	if (a->signo != b->signo)
		return a->signo < b->signo ? -1 : 1;
	if (a->timerid != b->timerid)
		return a->timerid < b->timerid ? -1 : 1;
	return (a->sigval > b->sigval) - (a->sigval < b->sigval);
}

static int signal_ref_cmp(const void *a, const void *b)
{
	const struct signal_ref *x = a, *y = b;
	int c = signal_key_cmp(x->sig, x->sig->tid, y->sig);

	return c ? c : (x->place > y->place) - (x->place < y->place);
}

static int signal_index_make(struct signal_index *ix, const struct ptimer_pending_signal *sig,
			     size_t n)
{
	*ix = (struct signal_index){ .n = n };
	ix->by_key = calloc(n ? n : 1, sizeof(*ix->by_key));
	ix->taken = calloc(n ? n : 1, sizeof(*ix->taken));
	if (!ix->by_key || !ix->taken)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		ix->by_key[k] = (struct signal_ref){ .sig = &sig[k], .place = k };
	qsort(ix->by_key, n, sizeof(*ix->by_key), signal_ref_cmp);
	return 0;
}

/*
 * The first of NEW's signals not yet matched that is the same as OLD's
 * @sig with its thread mapped to @tid, in NEW's order, as a scan of them
 * all would take it: SIZE_MAX if none.  Those matched are each run's first.
 */
static size_t signal_index_take(struct signal_index *ix, const struct ptimer_pending_signal *sig,
				pid_t tid)
{
	size_t lo = 0, hi = ix->n, at;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (signal_key_cmp(sig, tid, ix->by_key[mid].sig) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ix->n)
		return SIZE_MAX;
	at = lo + ix->taken[lo];
	if (at >= ix->n || signal_key_cmp(sig, tid, ix->by_key[at].sig))
		return SIZE_MAX;
	ix->taken[lo]++;
	return ix->by_key[at].place;
}

static void signal_index_free(struct signal_index *ix)
{
	free(ix->by_key);
	free(ix->taken);
}

/*
 * Queued timer signals as a multiset of (queue and thread, signal, timer,
 * sigval): each of OLD's must be in NEW, its thread mapped.  One only in
 * NEW is a difference unless its timer may have fired since OLD.  Matched
 * through a sorted index: a signal may be queued for each of 96k timers.
 */
static void compare_signals(struct diff_ctx *d)
{
	size_t no, nn;
	const struct ptimer_pending_signal *o = ptimer_dump_signals(d->old.dump, &no);
	const struct ptimer_pending_signal *n = ptimer_dump_signals(d->new.dump, &nn);
	bool *used = calloc(nn ? nn : 1, sizeof(*used));
	struct signal_index ix = { 0 };
	struct diff_subject s;

	if (!used || signal_index_make(&ix, n, nn)) {
		d->err = -ENOMEM;
		goto free_index;
	}
	for (size_t i = 0; i < no; i++) {
		pid_t tid = signal_tid(d, &o[i]);
		size_t k = signal_index_take(&ix, &o[i], tid);

		if (k != SIZE_MAX) {
			used[k] = true;
			continue;
		}
		subject_signal(&s, &o[i], tid > 0 ? tid : o[i].tid);
		report_presence(d, &s, "pending_signal", true);
	}
	for (size_t k = 0; k < nn; k++) {
		if (used[k] || may_have_fired(d, &n[k]))
			continue;
		subject_signal(&s, &n[k], n[k].tid);
		report_presence(d, &s, "pending_signal", false);
	}
free_index:
	signal_index_free(&ix);
	free(used);
}

/* Every kind both sides carry. */
static void compare_dumps(struct diff_ctx *d, unsigned int kinds)
{
	if (kinds & PTIMER_KIND_POSIX)
		compare_posix(d);
	if (kinds & PTIMER_KIND_ITIMER)
		compare_itimers(d);
	if (kinds & PTIMER_KIND_TIMERFD)
		compare_timerfds(d);
	if (kinds & PTIMER_KIND_SIGNALS)
		compare_signals(d);
}

static struct json_object *kinds_json(unsigned int kinds)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int k = 1; k & PTIMER_KIND_ALL; k <<= 1)
		if (kinds & k)
			json_object_array_add(a, json_object_new_string(ptimer_kind_name(k)));
	return a;
}

static struct json_object *side_json(const struct diff_side *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "source", json_object_new_string(s->label));
	json_object_object_add(o, "pid", json_object_new_int(s->dump->pid));
	json_object_object_add(o, "timers", json_object_new_int64((int64_t)s->dump->ntimers));
	json_object_object_add(o, "kinds", kinds_json(ptimer_dump_kinds(s->dump)));
	return o;
}

/*
 * Compare @old with @new, printing each difference to @out (or, with
 * @json, one JSON object); *@ndiff counts them.  Returns an exit code for
 * a failure, else EXIT_OK.
 */
static int diff_dumps(const struct ptimer_dump *old, const char *old_label,
		      const struct ptimer_dump *new, const char *new_label,
		      const struct ptimer_tid_map *user, size_t nuser, int64_t tolerance_ns,
		      bool json, FILE *out, size_t *ndiff)
{
	struct diff_ctx d = { .old.dump = old, .new.dump = new, .tolerance_ns = tolerance_ns,
			      .out = out };
	unsigned int kinds = ptimer_dump_kinds(old) & ptimer_dump_kinds(new);
	int ret;

	snprintf(d.old.label, sizeof(d.old.label), "%s", old_label);
	snprintf(d.new.label, sizeof(d.new.label), "%s", new_label);
	ret = ptimer_private_tid_map(cli.ctx, old, new->pid, new->tids, new->nthreads, user, nuser,
				     &d.map, &d.nmap);
	if (ret)
		return cli_fail(ret, "cannot map the threads of %s to those of %s", old_label,
				new_label);
	d.elapsed_ns = llabs(new->realtime_ns - old->realtime_ns);
	if (json)
		d.json = json_object_new_array();
	compare_dumps(&d, kinds);
	free(d.map);
	if (d.err) {
		json_object_put(d.json);
		return cli_fail(d.err, "cannot compare %s with %s", old_label, new_label);
	}
	if (json) {
		struct json_object *root = json_object_new_object();

		json_object_object_add(root, "equal", json_object_new_boolean(!d.ndiff));
		json_object_object_add(root, "old", side_json(&d.old));
		json_object_object_add(root, "new", side_json(&d.new));
		json_object_object_add(root, "elapsed_ns", json_object_new_int64(d.elapsed_ns));
		json_object_object_add(root, "tolerance_ns", json_object_new_int64(tolerance_ns));
		json_object_object_add(root, "compared", kinds_json(kinds));
		json_object_object_add(root, "differences", d.json);
		fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	*ndiff = d.ndiff;
	return EXIT_OK;
}

/* Dump @pid without changing it, holding off signals meanwhile; the library's -errno. */
static int dump_holding(pid_t pid, unsigned int seccomp_flags, struct ptimer_dump **dump)
{
	int ret;

	cli_hold_begin();
	ret = ptimer_dump_pid(cli.ctx, pid, seccomp_flags, dump, NULL);
	cli_hold_end();
	return ret;
}

/* The same, its failure or a signal said; an exit code. */
static int dump_held(pid_t pid, unsigned int seccomp_flags, struct ptimer_dump **dump)
{
	int ret = dump_holding(pid, seccomp_flags, dump);

	if (ret)
		return cli_fail(ret, "cannot read the timers of pid %d", pid);
	if (cli_interrupted) {
		ptimer_dump_free(*dump);
		*dump = NULL;
		return cli_interrupted_exit("pid %d was left as it was", pid);
	}
	return EXIT_OK;
}

/*
 * A signal came once the restore was past its point of no return, or
 * during the verify's own dump: the restore is done, and stays (exit 12
 * would say that the target was left as it was, and a script would undo
 * the source's side of a move).  The verify, a read, is what stops.
 */
static int verify_interrupted(pid_t pid)
{
	cli_error(0, "interrupted by %s; the timers of pid %d were restored, but not verified",
		  cli_signal_name(cli_interrupted), pid);
	return EXIT_OK;
}

int cli_verify_restore(const struct ptimer_dump *dump, pid_t pid,
		       const struct ptimer_tid_map *tid_map, size_t ntid_map,
		       unsigned int seccomp_flags)
{
	struct ptimer_dump *now = NULL;
	char label[32];
	size_t ndiff;
	int ret;

	if (cli_interrupted)
		return verify_interrupted(pid);
	ret = dump_holding(pid, seccomp_flags, &now);
	if (cli_interrupted) {
		ptimer_dump_free(now);
		return verify_interrupted(pid);
	}
	if (ret)
		return cli_fail(ret, "cannot verify the restore: cannot read the timers of pid %d",
				pid);
	snprintf(label, sizeof(label), "pid %d", pid);
	ret = diff_dumps(dump, "the dump", now, label, tid_map, ntid_map,
			 DIFF_DEFAULT_TOLERANCE_NS, false, stderr, &ndiff);
	ptimer_dump_free(now);
	if (ret)
		return ret;
	if (ndiff) {
		cli_error(0, "verify: the timers of pid %d differ from the dump (%zu"
			  " difference%s above)", pid, ndiff, ndiff == 1 ? "" : "s");
		return EXIT_FAILURE_GENERIC;
	}
	if (cli.verbosity > 0)
		cli_info("verify: the timers of pid %d match the dump", pid);
	return EXIT_OK;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = { .tolerance_ns = DIFF_DEFAULT_TOLERANCE_NS };
	struct ptimer_dump *old = NULL, *new = NULL;
	char label[PATH_MAX + 16];
	size_t ndiff = 0;
	int ret;

	cli_parse(&diff_argp, argc, argv, &a);
	ret = cli_load_dump(a.old_path, &old);
	if (ret)
		goto out;
	if (a.new_path) {
		ret = cli_load_dump(a.new_path, &new);
		snprintf(label, sizeof(label), "%s", a.new_path);
	} else {
		unsigned int flags;

		ret = cli_check_stdout();
		if (ret)
			goto out;
		ret = cli_drop_capabilities(&a.new_pid, 1, a.keep_seccomp, &flags);
		if (ret)
			cli_warn("cannot drop capabilities: %s", strerror(-ret));
		ret = dump_held(a.new_pid, flags, &new);
		snprintf(label, sizeof(label), "pid %d", a.new_pid);
	}
	if (ret)
		goto out;
	ret = diff_dumps(old, strcmp(a.old_path, "-") ? a.old_path : "stdin", new, label,
			 a.tid_map, a.ntid_map, a.tolerance_ns, a.json, stdout, &ndiff);
	if (!ret)
		ret = cli_finish_stdout();
out:
	ptimer_dump_free(new);
	ptimer_dump_free(old);
	free(a.tid_map);
	/* 1 means "different" here: trouble that others report as 1 is 2, as in diff(1). */
	if (ret == EXIT_FAILURE_GENERIC)
		return EXIT_USAGE;
	if (ret)
		return ret;
	return ndiff ? EXIT_DIFFERENT : EXIT_OK;
}
