/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* What the dump document's encoder and decoder share (format version 1). */
#ifndef PTIMER_JSON_FORMAT_H
#define PTIMER_JSON_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifndef PTIMER_VERSION
#define PTIMER_VERSION "unknown"
#endif

/*
 * The kernel's KTIME_MAX: a timer set further (the "never" of a program
 * that arms it at LONG_MAX seconds) is clamped to it, and shows the time
 * left to it, about 292 years: so a dump may hold that, and a restore
 * must take it.  The arithmetic on these values saturates.
 */
#define PTIMER_MAX_TIME_NS	INT64_MAX

/* "0x" and 16 hex digits: a sigval's raw 64 bits. */
#define SIGVAL_DIGITS		16

/*
 * Length of the well-formed UTF-8 sequence at @s (@n bytes left), or 0 if
 * it is not one.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* The deepest a value may nest that json_skip_value() is given. */
#define JSON_SKIP_MAX_DEPTH	32

/*
 * Skip the JSON value at @pos of @text (@len bytes) without building it:
 * a member the decoder does not know (a later version's), which then
 * costs no memory however large.  As strict as RFC 8259: no NaN or
 * Infinity, no leading zero, no raw control character in a string,
 * valid escapes and well-formed UTF-8, and at most @depth levels of
 * arrays and objects.  0 with *end just past the value; else -EINVAL,
 * with *at the offending byte and *why what is wrong there.
 */
int json_skip_value(const char *text, size_t len, size_t pos, int depth, size_t *end,
		    size_t *at, const char **why);

#endif
