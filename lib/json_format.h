/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* What the dump document's encoder and decoder share (format version 1). */
#ifndef PTIMER_JSON_FORMAT_H
#define PTIMER_JSON_FORMAT_H

#include <stddef.h>

#ifndef PTIMER_VERSION
#define PTIMER_VERSION "unknown"
#endif

/* 100 years of 365.25 days: longer than any sane timer, short of overflow. */
#define PTIMER_MAX_TIME_NS	(36525LL * 86400 * NSEC_PER_SEC)

/* "0x" and 16 hex digits: a sigval's raw 64 bits. */
#define SIGVAL_DIGITS		16

/*
 * Length of the well-formed UTF-8 sequence at @s (@n bytes left), or 0 if
 * it is not one.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif
