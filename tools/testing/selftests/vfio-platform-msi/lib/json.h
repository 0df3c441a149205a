/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, strict JSON reader for the selftests: enough to check the
 * output of vfio-platform-info --json in the guest, which has neither
 * python nor jq. It parses a whole document into a tree (RFC 8259: any
 * error, trailing text included, fails the parse) and looks values up by
 * a dotted path, where a number names an array element:
 * "regions.1.size", "msi.cap.flags.0".
 *
 * Numbers are kept as integers when they are integers (the tool prints
 * only those); strings are decoded, \u escapes outside ASCII as '?'.
 */
#ifndef VPMSI_LIB_JSON_H
#define VPMSI_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_val {
	enum json_type type;
	bool boolean;			/* JSON_BOOL */
	long long integer;		/* JSON_NUMBER, when is_integer */
	bool is_integer;
	char *string;			/* JSON_STRING */
	unsigned int n;			/* JSON_ARRAY, JSON_OBJECT: members */
	char **keys;			/* JSON_OBJECT */
	struct json_val **vals;		/* JSON_ARRAY, JSON_OBJECT */
};

/* Parse @text: a tree to free with json_free(), or NULL (@err says why) */
struct json_val *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct json_val *v);

/* The value at @path under @v, or NULL if there is none */
const struct json_val *json_get(const struct json_val *v, const char *path);

/* Typed lookups: 0, -ENOENT (no such path) or -EINVAL (another type) */
int json_get_int(const struct json_val *v, const char *path, long long *out);
int json_get_bool(const struct json_val *v, const char *path, bool *out);
/* The string at @path, or NULL (none, or not a string) */
const char *json_get_str(const struct json_val *v, const char *path);
/* Is there a null at @path? */
bool json_is_null(const struct json_val *v, const char *path);
/* Does the array at @path hold the string @s? */
bool json_array_has_str(const struct json_val *v, const char *path,
			const char *s);
/* Number of members of the array or object at @path, or -1 */
int json_count(const struct json_val *v, const char *path);

#endif /* VPMSI_LIB_JSON_H */
