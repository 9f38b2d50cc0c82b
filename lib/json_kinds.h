/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The dump document's sections for the kinds of timer besides the POSIX
 * ones (format version 2): "kinds", "itimers", "timerfds" and
 * "pending_signals".  Each section is encoded to, and decoded from, one
 * json_object of its own, so that the outer document code only hands
 * them over.
 */
#ifndef PTIMER_JSON_KINDS_H
#define PTIMER_JSON_KINDS_H

#include <json-c/json.h>

#include "ptimer.h"

/* The keys of the sections, in document order. */
#define JK_KEY_KINDS		"kinds"
#define JK_KEY_ITIMERS		"itimers"
#define JK_KEY_TIMERFDS		"timerfds"
#define JK_KEY_SIGNALS		"pending_signals"

/*
 * One section each: *@out gets a new array (the caller owns it).  A kind
 * the dump does not carry is written as an empty array.  Returns 0,
 * -ENOMEM, or -PTIMER_ERR_BAD_DUMP for an entry the decoder could not
 * read back.
 */
int jk_encode_kinds(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		    struct json_object **out);
int jk_encode_itimers(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		      struct json_object **out);
int jk_encode_timerfds(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		       struct json_object **out);
int jk_encode_signals(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		      struct json_object **out);
/* The sections after "timers", in document order, each one small json_object. */
struct jk_section {
	const char *key;
	int (*encode)(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		      struct json_object **val);
};
extern const struct jk_section jk_sections[];
extern const size_t jk_nsections;

/*
 * One section each.  @val is the section's value as the document has it
 * (never NULL).  The entries are added to @dump; the signals need its
 * threads decoded first.  -PTIMER_ERR_BAD_DUMP names the field path.
 */
int jk_decode_kinds(struct ptimer_ctx *ctx, struct json_object *val, unsigned int *kinds);
int jk_decode_itimers(struct ptimer_ctx *ctx, struct json_object *val,
		      struct ptimer_dump *dump);
int jk_decode_timerfds(struct ptimer_ctx *ctx, struct json_object *val,
		       struct ptimer_dump *dump);
int jk_decode_signals(struct ptimer_ctx *ctx, struct json_object *val,
		      struct ptimer_dump *dump);
/*
 * Every section of the top-level object @root, after the rest of the
 * document (the version, threads and timers) is in @dump.  A version-1
 * document carries the POSIX timers only: its other keys are ignored, as
 * every unknown field of version 1 was.  At version 2 "kinds" is
 * required, the section of every kind in it too, and a non-empty section
 * of a kind not in it is an error.
 */
int jk_decode_all(struct ptimer_ctx *ctx, struct json_object *root, struct ptimer_dump *dump);

#endif
