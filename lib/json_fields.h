/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Strict field readers for the dump document.  Each returns 0 or 1 (see
 * json_fields.c) or a negative error; every decode error is
 * -PTIMER_ERR_BAD_DUMP with "<parent>.<key>: <what is wrong>" set as the
 * context's last error.  @parent is "" at the top level.
 */
#ifndef PTIMER_JSON_FIELDS_H
#define PTIMER_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct ptimer_ctx;

__attribute__((format(printf, 4, 5)))
int jf_fail(struct ptimer_ctx *ctx, const char *parent, const char *key,
	    const char *format, ...);
const char *jf_describe(struct json_object *val);
int jf_member(struct ptimer_ctx *ctx, struct json_object *obj,
	      const char *parent, const char *key, bool required,
	      struct json_object **val);
int jf_expect_type(struct ptimer_ctx *ctx, struct json_object *val,
		   const char *parent, const char *key, enum json_type type);
int jf_to_int64(struct ptimer_ctx *ctx, struct json_object *val,
		const char *parent, const char *key,
		int64_t min, int64_t max, int64_t *out);
int jf_to_int(struct ptimer_ctx *ctx, struct json_object *val,
	      const char *parent, const char *key, int min, int max, int *out);
int jf_read_int64(struct ptimer_ctx *ctx, struct json_object *obj,
		  const char *parent, const char *key, bool required,
		  int64_t min, int64_t max, int64_t *out);
int jf_read_int(struct ptimer_ctx *ctx, struct json_object *obj,
		const char *parent, const char *key, bool required,
		int min, int max, int *out);
int jf_read_string(struct ptimer_ctx *ctx, struct json_object *obj,
		   const char *parent, const char *key, bool required,
		   const char **out);
int jf_read_text(struct ptimer_ctx *ctx, struct json_object *obj,
		 const char *key, char *field, size_t size);
int jf_read_bool(struct ptimer_ctx *ctx, struct json_object *obj,
		 const char *parent, const char *key, bool required, bool *out);
int jf_read_container(struct ptimer_ctx *ctx, struct json_object *obj,
		      const char *parent, const char *key, bool required,
		      enum json_type type, struct json_object **out);
int jf_parse_sigval(const char *s, uint64_t *out);
int jf_find_duplicate(const int *values, size_t stride, size_t n,
		      size_t *dup, size_t *first);

#endif
