// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Reading one field of a dump document: the strict, typed, range-checked
 * accessors every part of the decoder uses, so that each reports its
 * problem the same way, with its field path.
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
#include "json_fields.h"
#include "json_format.h"

/*
 * Decode errors are all -PTIMER_ERR_BAD_DUMP and read "<path>: <what is wrong>".  The
 * path is the parent ("timers[3]", "" at the top level) plus a key.
 */
__attribute__((format(printf, 4, 5)))
int jf_fail(struct ptimer_ctx *ctx, const char *parent, const char *key,
	    const char *format, ...)
{
	char detail[256];
	va_list args;

	va_start(args, format);
	vsnprintf(detail, sizeof(detail), format, args);
	va_end(args);
	if (*parent)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "%s.%s: %s", parent, key, detail);
	return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "%s: %s", key, detail);
}

/* How a value reads in "expected X, got Y". */
const char *jf_describe(struct json_object *val)
{
	switch (json_object_get_type(val)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		/* json-c keeps the source text: "got 1.5" says more than a type. */
		return json_object_to_json_string(val);
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

/*
 * Find @key in @obj.  Returns 1 when present (*val is NULL for JSON null),
 * 0 when absent and optional, -PTIMER_ERR_BAD_DUMP when absent and required.
 */
int jf_member(struct ptimer_ctx *ctx, struct json_object *obj,
	      const char *parent, const char *key, bool required,
	      struct json_object **val)
{
	if (json_object_object_get_ex(obj, key, val))
		return 1;
	*val = NULL;
	if (required)
		return jf_fail(ctx, parent, key, "missing required field");
	return 0;
}

int jf_expect_type(struct ptimer_ctx *ctx, struct json_object *val,
		   const char *parent, const char *key, enum json_type type)
{
	if (json_object_is_type(val, type))
		return 0;
	return jf_fail(ctx, parent, key, "expected %s, got %s",
		       type == json_type_int ? "integer" : json_type_to_name(type),
		       jf_describe(val));
}

int jf_to_int64(struct ptimer_ctx *ctx, struct json_object *val,
		const char *parent, const char *key,
		int64_t min, int64_t max, int64_t *out)
{
	uint64_t u;
	int64_t v;
	int r;

	r = jf_expect_type(ctx, val, parent, key, json_type_int);
	if (r)
		return r;
	v = json_object_get_int64(val);
	u = json_object_get_uint64(val);
	/*
	 * json-c keeps values above INT64_MAX as unsigned and saturates
	 * anything beyond 64 bits to UINT64_MAX or INT64_MIN, so the int64
	 * view alone would quietly clamp an overflow into range.
	 */
	if (u == UINT64_MAX || v == INT64_MIN)
		return jf_fail(ctx, parent, key, "number is out of range %" PRId64
			       "..%" PRId64, min, max);
	if (v == INT64_MAX && u > (uint64_t)INT64_MAX)
		return jf_fail(ctx, parent, key, "%" PRIu64 " is out of range %"
			       PRId64 "..%" PRId64, u, min, max);
	if (v < min || v > max)
		return jf_fail(ctx, parent, key, "%" PRId64 " is out of range %"
			       PRId64 "..%" PRId64, v, min, max);
	*out = v;
	return 0;
}

int jf_to_int(struct ptimer_ctx *ctx, struct json_object *val,
	      const char *parent, const char *key, int min, int max, int *out)
{
	int64_t v;
	int r;

	r = jf_to_int64(ctx, val, parent, key, min, max, &v);
	if (!r)
		*out = (int)v;
	return r;
}

/* A present (non-null, when required) member of @obj, as an int64. */
int jf_read_int64(struct ptimer_ctx *ctx, struct json_object *obj,
		  const char *parent, const char *key, bool required,
		  int64_t min, int64_t max, int64_t *out)
{
	struct json_object *val;
	int r;

	r = jf_member(ctx, obj, parent, key, required, &val);
	if (r <= 0)
		return r;
	r = jf_to_int64(ctx, val, parent, key, min, max, out);
	return r ? r : 1;
}

int jf_read_int(struct ptimer_ctx *ctx, struct json_object *obj,
		const char *parent, const char *key, bool required,
		int min, int max, int *out)
{
	int64_t v;
	int r;

	r = jf_read_int64(ctx, obj, parent, key, required, min, max, &v);
	if (r > 0)
		*out = (int)v;
	return r;
}

/*
 * A string member.  Returns 1 and sets *out when present, 0 when absent.
 * The model stores C strings, so an escaped NUL (\u0000) is refused.
 */
int jf_read_string(struct ptimer_ctx *ctx, struct json_object *obj,
		   const char *parent, const char *key, bool required,
		   const char **out)
{
	struct json_object *val;
	const unsigned char *s;
	size_t len, i, n;
	int r;

	r = jf_member(ctx, obj, parent, key, required, &val);
	if (r <= 0)
		return r;
	r = jf_expect_type(ctx, val, parent, key, json_type_string);
	if (r)
		return r;
	s = (const unsigned char *)json_object_get_string(val);
	len = json_object_get_string_len(val);
	if (strlen((const char *)s) != len)
		return jf_fail(ctx, parent, key, "contains a NUL character");
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len(s + i, len - i);
		if (!n)
			return jf_fail(ctx, parent, key,
				       "invalid UTF-8 at byte %zu of the string", i);
	}
	*out = (const char *)s;
	return 1;
}

/* An optional string copied into a fixed-size model field. */
int jf_read_text(struct ptimer_ctx *ctx, struct json_object *obj,
		 const char *key, char *field, size_t size)
{
	const char *s;
	size_t len;
	int r;

	r = jf_read_string(ctx, obj, "", key, false, &s);
	if (r <= 0)
		return r;
	len = strlen(s);
	if (len >= size)
		return jf_fail(ctx, "", key, "string is %zu bytes; the limit is %zu",
			       len, size - 1);
	memcpy(field, s, len + 1);
	return 1;
}

int jf_read_bool(struct ptimer_ctx *ctx, struct json_object *obj,
		 const char *parent, const char *key, bool required, bool *out)
{
	struct json_object *val;
	int r;

	r = jf_member(ctx, obj, parent, key, required, &val);
	if (r <= 0)
		return r;
	r = jf_expect_type(ctx, val, parent, key, json_type_boolean);
	if (r)
		return r;
	*out = json_object_get_boolean(val);
	return 1;
}

/* A required member that must be an object or an array. */
int jf_read_container(struct ptimer_ctx *ctx, struct json_object *obj,
		      const char *parent, const char *key, bool required,
		      enum json_type type, struct json_object **out)
{
	int r;

	r = jf_member(ctx, obj, parent, key, required, out);
	if (r <= 0)
		return r;
	r = jf_expect_type(ctx, *out, parent, key, type);
	return r ? r : 1;
}

/* "0x" and 1 to 16 hex digits of either case. */
int jf_parse_sigval(const char *s, uint64_t *out)
{
	if (s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	return hex_parse_u64(s + 2, strlen(s + 2), out);
}

/* A value and where it was, for finding duplicates in one sort. */
struct slot {
	int value;
	size_t index;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->value != y->value)
		return (x->value > y->value) - (x->value < y->value);
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * The first element, in document order, that repeats an earlier value.
 * Sorting keeps this O(n log n); dumps can hold tens of thousands of
 * timers.  Returns 1 and the two indexes when there is one, 0 when all
 * values are unique, -ENOMEM.
 */
int jf_find_duplicate(const int *values, size_t stride, size_t n,
		      size_t *dup, size_t *first)
{
	struct slot *slots;
	size_t i, best = SIZE_MAX, orig = 0;

	if (n < 2)
		return 0;
	slots = malloc(n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		slots[i].value = *(const int *)((const char *)values + i * stride);
		slots[i].index = i;
	}
	qsort(slots, n, sizeof(*slots), slot_cmp);
	/* In each run of equals, the second entry is the earliest repeat. */
	for (i = 1; i < n; i++) {
		if (slots[i].value != slots[i - 1].value)
			continue;
		if ((i < 2 || slots[i - 2].value != slots[i].value) &&
		    slots[i].index < best) {
			best = slots[i].index;
			orig = slots[i - 1].index;
		}
	}
	free(slots);
	if (best == SIZE_MAX)
		return 0;
	*dup = best;
	*first = orig;
	return 1;
}
