// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A strict parser for the text of /proc/PID/timers.
 *
 * The kernel's show_timer() (fs/proc/base.c) prints one record of four
 * lines per timer:
 *
 *	ID: <it_id, %d>
 *	signal: <si_signo, %d>/<sival_ptr, %px or, before 4.15, %p>
 *	notify: <nstr[notify & ~SIGEV_THREAD_ID]>/<"tid" or "pid">.<pid_nr_ns>
 *	ClockID: <it_clock, %d>
 *
 * Every form those format strings have produced is accepted and nothing
 * else: a restore built from a misread record would silently recreate the
 * wrong timer, which is worse than refusing to dump.  Keys are matched by
 * name rather than by position, so a future kernel that reorders the lines
 * still parses, but a record still starts at "ID:" and must carry each of
 * the four keys exactly once.
 *
 * The function is pure: text in, timers out.  It neither reads files nor
 * logs, so that it can be unit-tested on captured fixtures and fuzzed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "internal.h"
#include "kabi.h"
#include "proc_head.h"

enum ptparse_key {
	PTPARSE_KEY_ID,
	PTPARSE_KEY_SIGNAL,
	PTPARSE_KEY_NOTIFY,
	PTPARSE_KEY_CLOCKID,
	PTPARSE_KEY_NR,
};

#define PTPARSE_KEYS_ALL	((1u << PTPARSE_KEY_NR) - 1)

/* One line of input, without its '\n'. */
struct ptparse_line {
	const char *s;
	size_t len;
	size_t off;			/* byte offset in the text */
	unsigned int no;		/* 1-based */
};

/* The record being assembled. */
struct ptparse_record {
	struct ptimer_timer timer;
	unsigned int seen;		/* bit per enum ptparse_key */
	unsigned int first_line;	/* where its "ID:" was */
	size_t first_off;		/* and at which byte */
};

/* A timer ID and the line it came from, for the duplicate check. */
struct ptparse_id_line {
	int id;
	unsigned int line;
};

static bool ptparse_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse a decimal number exactly as the kernel's "%d" prints one: an
 * optional '-', then digits with no leading zero.  No '+', no blanks, no
 * "-0": anything %d cannot produce means the line is not what we think.
 */
static int ptparse_parse_dec(const char *s, size_t len, long long min,
			     long long max, long long *out)
{
	bool neg = false;
	unsigned long long v = 0;
	unsigned long long limit;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i++;
	}
	if (i == len)
		return -EINVAL;
	if (s[i] == '0' && (len - i > 1 || neg))
		return -EINVAL;
	if (neg && min >= 0)
		return -EINVAL;

	/* Compare magnitudes unsigned, so that LLONG_MIN needs no special case. */
	limit = neg ? 0ull - (unsigned long long)min : (unsigned long long)max;

	for (; i < len; i++) {
		unsigned long long d;

		if (!ptparse_is_digit(s[i]))
			return -EINVAL;
		d = (unsigned long long)(s[i] - '0');
		if (d > limit || v > (limit - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0ull - v) : (long long)v;
	return 0;
}

static int ptparse_parse_int(const char *s, size_t len, int min, int max,
			     int *out)
{
	long long v;
	int ret;

	ret = ptparse_parse_dec(s, len, min, max, &v);
	if (ret)
		return ret;
	*out = (int)v;
	return 0;
}

/*
 * Before 4.15 show_timer() used "%p", which prints a NULL pointer as
 * "(null)" right-aligned in the width of a pointer: 16 columns on a 64-bit
 * kernel and 8 on a 32-bit one.  Later kernels dropped the padding, and
 * "%px" prints zeros instead.  Accept exactly those three widths.
 */
static bool ptparse_is_null_ptr(const char *s, size_t len)
{
	static const char null_str[] = "(null)";
	const size_t nlen = sizeof(null_str) - 1;
	size_t pad;

	if (len != nlen && len != 8 && len != 16)
		return false;
	pad = len - nlen;
	for (size_t i = 0; i < pad; i++)
		if (s[i] != ' ')
			return false;
	return !memcmp(s + pad, null_str, nlen);
}

/*
 * A sigval is printed as a pointer: zero-padded lowercase hex, 16 digits
 * on 64-bit kernels and 8 on 32-bit ones.  Any 1 to 16 digits are taken,
 * with an optional "0x", so that a differently padded format still parses;
 * more than 16 digits cannot fit the 64 bits the model keeps.
 */
static int ptparse_parse_sigval(const char *s, size_t len, uint64_t *out)
{
	if (ptparse_is_null_ptr(s, len)) {
		*out = 0;
		return 0;
	}
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	return hex_parse_u64(s, len, out);
}

/*
 * "ID: N".  The kernel allocates timer IDs from 0 to INT_MAX, so a
 * negative one is not a timer ID.
 */
static int ptparse_parse_id(const char *s, size_t len, struct ptimer_timer *t)
{
	return ptparse_parse_int(s, len, 0, INT_MAX, &t->id);
}

/*
 * "signal: SIGNO/SIGVAL".  The signal number is whatever the application
 * passed: the kernel checks it only when a signal is to be sent, so with
 * SIGEV_NONE any int is possible, 0 and negatives included.
 */
static int ptparse_parse_signal(const char *s, size_t len,
				struct ptimer_timer *t)
{
	const char *slash = memchr(s, '/', len);
	size_t nlen;
	int ret;

	if (!slash)
		return -EINVAL;
	nlen = (size_t)(slash - s);
	ret = ptparse_parse_int(s, nlen, INT_MIN, INT_MAX, &t->signo);
	if (ret)
		return ret;
	return ptparse_parse_sigval(slash + 1, len - nlen - 1, &t->sigval);
}

/* Does s[0..len) equal the C string @word? */
static bool ptparse_word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

/*
 * The mode half of "notify:" comes from the kernel's nstr[] table, indexed
 * by the notify value without SIGEV_THREAD_ID.
 */
static int ptparse_parse_notify_mode(const char *s, size_t len, int *mode)
{
	if (ptparse_word_is(s, len, "signal"))
		*mode = KSIGEV_SIGNAL;
	else if (ptparse_word_is(s, len, "none"))
		*mode = KSIGEV_NONE;
	else if (ptparse_word_is(s, len, "thread"))
		*mode = KSIGEV_THREAD;
	else
		return -EINVAL;
	return 0;
}

/*
 * "notify: MODE/pid.N" or "notify: MODE/tid.N", where "tid" stands for
 * SIGEV_THREAD_ID.  good_sigevent() accepts SIGEV_THREAD_ID only together
 * with SIGEV_SIGNAL, so "none/tid" and "thread/tid" cannot come from a
 * kernel; glibc's SIGEV_THREAD shows as "signal/tid" because glibc points
 * the timer at its helper thread.
 *
 * N is pid_nr_ns() of the target in the reader's pid namespace: 0 when the
 * target is not visible there or has exited, never negative.
 */
static int ptparse_parse_notify(const char *s, size_t len,
				struct ptimer_timer *t)
{
	const char *slash = memchr(s, '/', len);
	const char *who;
	size_t mlen, rest;
	int mode, ret;
	bool tid;

	if (!slash)
		return -EINVAL;
	mlen = (size_t)(slash - s);
	ret = ptparse_parse_notify_mode(s, mlen, &mode);
	if (ret)
		return ret;

	who = slash + 1;
	rest = len - mlen - 1;
	if (rest < 4 || who[3] != '.')
		return -EINVAL;
	if (!memcmp(who, "tid", 3))
		tid = true;
	else if (!memcmp(who, "pid", 3))
		tid = false;
	else
		return -EINVAL;
	if (tid && mode != KSIGEV_SIGNAL)
		return -EINVAL;

	ret = ptparse_parse_int(who + 4, rest - 4, 0, INT_MAX, &t->notify_pid);
	if (ret)
		return ret;
	t->notify = mode | (tid ? KSIGEV_THREAD_ID : 0);
	return 0;
}

/*
 * "ClockID: N", signed: CPU clocks are negative, ((~pid) << 3) | flags.
 * Whether the clock can carry a timer is the restore's question, not the
 * parser's.
 */
static int ptparse_parse_clockid(const char *s, size_t len,
				 struct ptimer_timer *t)
{
	return ptparse_parse_int(s, len, INT_MIN, INT_MAX, &t->clockid);
}

static const struct {
	const char *name;
	int (*parse)(const char *s, size_t len, struct ptimer_timer *t);
} ptparse_keys[PTPARSE_KEY_NR] = {
	[PTPARSE_KEY_ID] = { "ID", ptparse_parse_id },
	[PTPARSE_KEY_SIGNAL] = { "signal", ptparse_parse_signal },
	[PTPARSE_KEY_NOTIFY] = { "notify", ptparse_parse_notify },
	[PTPARSE_KEY_CLOCKID] = { "ClockID", ptparse_parse_clockid },
};

/*
 * Split "Key: value" at the first ':'.  The separator is exactly ": ", as
 * in the kernel's format strings; the value may not be empty.
 */
static int ptparse_split_line(const struct ptparse_line *line,
			      enum ptparse_key *key, const char **val,
			      size_t *vlen)
{
	const char *colon = memchr(line->s, ':', line->len);
	size_t klen;

	if (!colon)
		return -EINVAL;
	klen = (size_t)(colon - line->s);
	if (line->len - klen < 3 || colon[1] != ' ')
		return -EINVAL;

	for (int k = 0; k < PTPARSE_KEY_NR; k++) {
		if (ptparse_word_is(line->s, klen, ptparse_keys[k].name)) {
			*key = k;
			*val = colon + 2;
			*vlen = line->len - klen - 2;
			return 0;
		}
	}
	return -EINVAL;
}

/* The state of one ptimer_parse_proc_timers() call. */
struct ptparse_parser {
	struct ptimer_dump *dump;
	size_t first;			/* dump->ntimers on entry */
	struct ptparse_record rec;	/* the record being read */
	unsigned int *lines;		/* first line of each committed record */
	size_t *offs;			/* and its byte offset, if wanted */
	size_t lines_cap;
	unsigned int err_line;
};

/* Remember where a committed record began, growing by doubling. */
static int ptparse_lines_push(struct ptparse_parser *p, unsigned int line, size_t off)
{
	size_t n = p->dump->ntimers - 1 - p->first;

	if (n == p->lines_cap) {
		size_t ncap = p->lines_cap ? p->lines_cap * 2 : 64;
		unsigned int *grown;

		grown = realloc(p->lines, ncap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->lines = grown;
		if (p->offs) {
			size_t *offs = realloc(p->offs, ncap * sizeof(*offs));

			if (!offs)
				return -ENOMEM;
			p->offs = offs;
		}
		p->lines_cap = ncap;
	}
	p->lines[n] = line;
	if (p->offs)
		p->offs[n] = off;
	return 0;
}

/* Hand a finished record to the dump; an incomplete one is an error. */
static int ptparse_record_commit(struct ptparse_parser *p)
{
	struct ptparse_record *rec = &p->rec;
	int ret;

	p->err_line = rec->first_line;
	if (rec->seen != PTPARSE_KEYS_ALL)
		return -EINVAL;
	ret = ptimer_dump_add_timer(p->dump, &rec->timer);
	if (ret)
		return ret;
	return ptparse_lines_push(p, rec->first_line, rec->first_off);
}

/*
 * Feed one line to the record state.  An "ID:" line closes the record
 * before it, so an incomplete record is reported at its own first line.
 */
static int ptparse_feed_line(struct ptparse_parser *p,
			     const struct ptparse_line *line)
{
	struct ptparse_record *rec = &p->rec;
	enum ptparse_key key;
	const char *val;
	size_t vlen;
	int ret;

	p->err_line = line->no;
	/* A NUL would end the line early for any C-string reader after us. */
	if (memchr(line->s, '\0', line->len))
		return -EINVAL;
	ret = ptparse_split_line(line, &key, &val, &vlen);
	if (ret)
		return ret;

	if (key == PTPARSE_KEY_ID) {
		if (rec->seen) {
			ret = ptparse_record_commit(p);
			if (ret)
				return ret;
			p->err_line = line->no;
		}
		memset(rec, 0, sizeof(*rec));
		rec->first_line = line->no;
		rec->first_off = line->off;
	} else if (!rec->seen || rec->seen & (1u << key)) {
		/* A key before any "ID:", or a second one in this record. */
		return -EINVAL;
	}

	ret = ptparse_keys[key].parse(val, vlen, &rec->timer);
	if (ret)
		return -EINVAL;
	rec->seen |= 1u << key;
	return 0;
}

static int ptparse_id_line_cmp(const void *a, const void *b)
{
	const struct ptparse_id_line *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->line > y->line) - (x->line < y->line);
}

/*
 * A timer ID names one timer.  The same ID twice means the file changed
 * during a multi-read seq_file walk; a restore from it would fail half-way,
 * so refuse here and report the later of the two lines.  The dump itself
 * is left unsorted: sorting is the caller's choice.
 */
static int ptparse_check_unique(struct ptparse_parser *p)
{
	size_t n = p->dump->ntimers - p->first;
	struct ptparse_id_line *v;
	int ret = 0;

	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].id = p->dump->timers[p->first + i].id;
		v[i].line = p->lines[i];
	}
	qsort(v, n, sizeof(*v), ptparse_id_line_cmp);
	for (size_t i = 1; i < n; i++) {
		if (v[i].id == v[i - 1].id) {
			p->err_line = v[i].line;
			ret = -EINVAL;
			break;
		}
	}
	free(v);
	return ret;
}

static int ptparse_parse_text(struct ptparse_parser *p, const char *text,
			      size_t len)
{
	struct ptparse_line line = { 0 };
	size_t pos = 0;
	int ret;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		/* Line numbers are unsigned int; 4G lines is no timers file. */
		if (line.no == UINT_MAX) {
			p->err_line = line.no;
			return -EINVAL;
		}
		line.s = text + pos;
		line.off = pos;
		line.len = nl ? (size_t)(nl - line.s) : len - pos;
		line.no++;
		pos += line.len + (nl ? 1 : 0);

		ret = ptparse_feed_line(p, &line);
		if (ret)
			return ret;
	}

	/* The kernel ends every line with '\n'; a last one without is fine. */
	if (p->rec.seen) {
		ret = ptparse_record_commit(p);
		if (ret)
			return ret;
	}
	return p->offs ? 0 : ptparse_check_unique(p);
}

int ptimer_parse_proc_timers(const char *text, size_t len,
			     struct ptimer_dump *dump, unsigned int *err_line)
{
	struct ptparse_parser p = { .dump = dump };
	int ret;

	if (err_line)
		*err_line = 0;
	if (!dump || (!text && len))
		return -EINVAL;
	p.first = dump->ntimers;

	ret = ptparse_parse_text(&p, text, len);
	if (ret) {
		/*
		 * Leave the dump as it came in.  Lowering the count is
		 * enough: the array only ever needs at least the capacity
		 * the count implies, and ptimer_dump_add_timer() grows it
		 * again from there.
		 */
		dump->ntimers = p.first;
		if (err_line)
			*err_line = p.err_line;
	}
	free(p.lines);
	return ret;
}

/*
 * For a read made while the process runs (proc_head.c): the same strict
 * records, but the same ID may come twice, as the walk's positions shift
 * under creations, and the caller wants each record's length in bytes.
 */
int proc_timers_parse_loose(const char *text, size_t len, struct ptimer_dump *dump,
			    uint32_t **rec_len)
{
	struct ptparse_parser p = { .dump = dump };
	uint32_t *lens = NULL;
	size_t n;
	int ret;

	if (!text && len)
		return -EINVAL;
	p.first = dump->ntimers;
	p.offs = malloc(64 * sizeof(*p.offs));
	p.lines = malloc(64 * sizeof(*p.lines));
	if (!p.offs || !p.lines) {
		ret = -ENOMEM;
		goto free_parser;
	}
	p.lines_cap = 64;
	ret = ptparse_parse_text(&p, text, len);
	if (ret)
		goto free_parser;
	n = dump->ntimers - p.first;
	lens = malloc((n ? n : 1) * sizeof(*lens));
	if (!lens) {
		ret = -ENOMEM;
		goto free_parser;
	}
	for (size_t i = 0; i < n; i++) {
		size_t end = i + 1 < n ? p.offs[i + 1] : len;

		if (end - p.offs[i] > UINT32_MAX) {
			ret = -EINVAL;
			goto free_parser;
		}
		lens[i] = (uint32_t)(end - p.offs[i]);
	}
	*rec_len = lens;
	lens = NULL;
free_parser:
	if (ret)
		dump->ntimers = p.first;
	free(lens);
	free(p.offs);
	free(p.lines);
	return ret;
}
