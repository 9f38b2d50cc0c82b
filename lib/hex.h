/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* Strict hex parsing shared by the /proc and the JSON parsers. */
#ifndef PTIMER_HEX_H
#define PTIMER_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit @c of either case, or -1. */
int hex_digit(char c);

/*
 * Exactly @len hex digits of either case, 1 to 16 of them (the 64 bits a
 * sigval holds), no prefix, no sign, no blanks.  0 or -EINVAL.
 */
int hex_parse_u64(const char *s, size_t len, uint64_t *out);

#endif
