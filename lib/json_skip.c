// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* A JSON value checked and stepped over, with no tree of it. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "json_format.h"

struct skip {
	const char *t;
	size_t len;
	size_t p;
	size_t at;
	const char *why;
};

static int fail(struct skip *s, size_t at, const char *why)
{
	s->at = at;
	s->why = why;
	return -EINVAL;
}

static void blank(struct skip *s)
{
	while (s->p < s->len && strchr(" \t\n\r", s->t[s->p]) && s->t[s->p])
		s->p++;
}

static bool digit(const struct skip *s, size_t p)
{
	return p < s->len && s->t[p] >= '0' && s->t[p] <= '9';
}

static bool hex(const struct skip *s, size_t p)
{
	return p < s->len && strchr("0123456789abcdefABCDEF", s->t[p]) && s->t[p];
}

static int string(struct skip *s)
{
	s->p++;
	while (s->p < s->len) {
		unsigned char c = (unsigned char)s->t[s->p];
		size_t n;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(s, s->p, "control character in a string");
		if (c == '\\') {
			if (s->p + 1 < s->len && strchr("\"\\/bfnrt", s->t[s->p + 1]) &&
			    s->t[s->p + 1]) {
				s->p += 2;
				continue;
			}
			if (s->p + 1 >= s->len || s->t[s->p + 1] != 'u' || !hex(s, s->p + 2) ||
			    !hex(s, s->p + 3) || !hex(s, s->p + 4) || !hex(s, s->p + 5))
				return fail(s, s->p, "invalid string sequence");
			s->p += 6;
			continue;
		}
		n = utf8_seq_len((const unsigned char *)s->t + s->p, s->len - s->p);
		if (!n)
			return fail(s, s->p, "invalid utf-8 string");
		s->p += n;
	}
	return fail(s, s->len, "unexpected end of data");
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number(struct skip *s)
{
	size_t start = s->p;

	if (s->t[s->p] == '-')
		s->p++;
	if (!digit(s, s->p))
		return fail(s, start, "unexpected character");
	if (s->t[s->p] == '0') {
		s->p++;
		if (digit(s, s->p))
			return fail(s, start, "number expected");
	}
	while (digit(s, s->p))
		s->p++;
	if (s->p < s->len && s->t[s->p] == '.') {
		if (!digit(s, ++s->p))
			return fail(s, start, "number expected");
		while (digit(s, s->p))
			s->p++;
	}
	if (s->p < s->len && (s->t[s->p] == 'e' || s->t[s->p] == 'E')) {
		s->p++;
		if (s->p < s->len && (s->t[s->p] == '+' || s->t[s->p] == '-'))
			s->p++;
		if (!digit(s, s->p))
			return fail(s, start, "number expected");
		while (digit(s, s->p))
			s->p++;
	}
	return 0;
}

static int literal(struct skip *s)
{
	static const char *const words[] = { "true", "false", "null" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);

		if (s->len - s->p >= n && !memcmp(s->t + s->p, words[i], n)) {
			s->p += n;
			return 0;
		}
	}
	return fail(s, s->p, "unexpected character");
}

/* A scalar, or the '{' or '[' that opens a container (*open, which the caller tracks). */
static int value_start(struct skip *s, char *open)
{
	char c;

	*open = 0;
	blank(s);
	if (s->p >= s->len)
		return fail(s, s->len, "unexpected end of data");
	c = s->t[s->p];
	if (c == '{' || c == '[') {
		*open = c;
		s->p++;
		return 0;
	}
	if (c == '"')
		return string(s);
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(s);
	return literal(s);
}

/* An object's key and its ':', at s->p (after blanks). */
static int key(struct skip *s)
{
	int ret;

	blank(s);
	if (s->p >= s->len || s->t[s->p] != '"')
		return fail(s, s->p, "quoted object property name expected");
	ret = string(s);
	if (ret)
		return ret;
	blank(s);
	if (s->p >= s->len || s->t[s->p] != ':')
		return fail(s, s->p, "object property name separator ':' expected");
	s->p++;
	return 0;
}

int json_skip_value(const char *text, size_t len, size_t pos, int depth, size_t *end,
		    size_t *at, const char **why)
{
	struct skip s = { .t = text, .len = len, .p = pos };
	char stack[JSON_SKIP_MAX_DEPTH], open;
	int top = 0, ret;

	if (depth > JSON_SKIP_MAX_DEPTH)
		depth = JSON_SKIP_MAX_DEPTH;
	for (;;) {
		/* As json-c counts: any value, a scalar too, is a level below its container. */
		if (top >= depth) {
			blank(&s);
			ret = fail(&s, s.p, "nesting too deep");
			goto out;
		}
		ret = value_start(&s, &open);
		if (ret)
			goto out;
		if (open) {
			char close = open == '{' ? '}' : ']';

			stack[top++] = open;
			blank(&s);
			if (s.p < s.len && s.t[s.p] == close) {
				s.p++;
				top--;
			} else {
				if (open == '{' && (ret = key(&s)))
					goto out;
				continue;
			}
		}
		/* After a value: close what it ends, or go on to the next. */
		for (;;) {
			char close;

			if (!top) {
				*end = s.p;
				return 0;
			}
			close = stack[top - 1] == '{' ? '}' : ']';
			blank(&s);
			if (s.p < s.len && s.t[s.p] == close) {
				s.p++;
				top--;
				continue;
			}
			if (s.p >= s.len || s.t[s.p] != ',') {
				ret = fail(&s, s.p, s.p >= s.len ? "unexpected end of data" :
					   close == '}' ? "object value separator ',' expected" :
					   "array value separator ',' expected");
				goto out;
			}
			s.p++;
			if (close == '}' && (ret = key(&s)))
				goto out;
			break;
		}
	}
out:
	*at = s.at;
	*why = s.why;
	return ret;
}
