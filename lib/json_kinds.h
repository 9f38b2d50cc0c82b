/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The dump document's sections for the kinds of timer besides the POSIX
 * ones (format version 2): "kinds", "itimers", "timerfds" and
 * "pending_signals".  Each element of a section is encoded to, and
 * decoded from, one json_object of its own, so that the outer document
 * code (json_encode.c, json_decode.c) only writes and scans the text.
 */
#ifndef PTIMER_JSON_KINDS_H
#define PTIMER_JSON_KINDS_H

#include <json-c/json.h>

#include "ptimer.h"

/*
 * "kinds": *@out gets a new array (the caller owns it).  Returns 0,
 * -ENOMEM, or -PTIMER_ERR_BAD_DUMP for a set the decoder could not read
 * back.
 */
int jk_encode_kinds(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		    struct json_object **out);

/*
 * "kinds": @val as the document has it (never NULL).  The sections'
 * entries are added to @dump by jk_decode_all(); the signals need its
 * threads decoded first.  -PTIMER_ERR_BAD_DUMP names the field path.
 */
int jk_decode_kinds(struct ptimer_ctx *ctx, struct json_object *val, unsigned int *kinds);

/* One element (@i) of a section, added to @dump; @state is the section's. */
typedef int (*jk_element_fn)(struct ptimer_ctx *ctx, struct json_object *obj, size_t i,
			     struct ptimer_dump *dump, void *state);

/*
 * The sections after "timers", in document order, the one list of them
 * that the encoder, the decoder and its scan share.  "kinds" is one
 * small json_object (@encode, jk_decode_kinds()).  Each kind's is an
 * array written and read element by element, as the timers are, so that
 * no tree of thousands of entries is built: @count elements, each a new
 * object from @encode_element; read back, each passed to @decode_element,
 * then the whole checked by @finish, if set.  A kind the dump does not
 * carry has none.  The encoders return as jk_encode_kinds().
 */
struct jk_section {
	const char *key;
	unsigned int kind;		/* PTIMER_KIND_*, 0 for "kinds" */
	int (*encode)(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		      struct json_object **val);
	size_t (*count)(const struct ptimer_dump *dump);
	int (*encode_element)(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, size_t i,
			      struct json_object **out);
	jk_element_fn decode_element;
	int (*finish)(struct ptimer_ctx *ctx, struct ptimer_dump *dump);
};

#define JK_NSECTIONS	4
extern const struct jk_section jk_sections[];

/* The index of section @key in jk_sections, or -1. */
int jk_section_index(const char *key);

/*
 * Sections the decoder streams from the text, where a section has
 * thousands of entries (a signal queued for each timer) and a json-c
 * tree of it would take over a kilobyte each (json_decode.c).  count():
 * whether the document has jk_sections[@sec] as an array (the last
 * member of that name), and how many elements; each(): every element,
 * parsed and passed to @fn, one at a time.
 */
struct jk_stream {
	bool (*count)(void *arg, size_t sec, size_t *n);
	int (*each)(void *arg, size_t sec, jk_element_fn fn, struct ptimer_dump *dump,
		    void *state);
	void *arg;
};

/*
 * Every section of the top-level object @root, after the rest of the
 * document (the version, threads and timers) is in @dump.  @stream has
 * each kind's section that is an array; one in @root is none, and is
 * refused.  A version-1 document carries the
 * POSIX timers only: its other keys are ignored, as every unknown field
 * of version 1 was.  At version 2 "kinds" is required, the section of
 * every kind in it too, and a non-empty section of a kind not in it is
 * an error.
 */
int jk_decode_all(struct ptimer_ctx *ctx, struct json_object *root, struct ptimer_dump *dump,
		  const struct jk_stream *stream);

#endif
