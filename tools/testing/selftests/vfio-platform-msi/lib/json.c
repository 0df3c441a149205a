// SPDX-License-Identifier: GPL-2.0
/*
 * A small, strict JSON reader for the selftests (json.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH	64

struct parser {
	const char *p;
	const char *start;
	char *err;
	size_t errlen;
	int depth;
};

static struct json_val *fail(struct parser *ps, const char *why)
{
	if (ps->err && !ps->err[0])
		snprintf(ps->err, ps->errlen, "%s at offset %ld", why,
			 (long)(ps->p - ps->start));
	return NULL;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static struct json_val *new_val(enum json_type type)
{
	struct json_val *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

static int hex4(const char *s)
{
	int i, v = 0;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string at ps->p (on its opening quote): malloc'd, or NULL */
static char *parse_string(struct parser *ps)
{
	static const char esc_from[] = "\"\\/bfnrt";
	static const char esc_to[] = "\"\\/\b\f\n\r\t";
	size_t len = 0, cap = 16;
	char *s = malloc(cap), *t;
	const char *e;
	int u;

	if (!s)
		return NULL;
	ps->p++;
	while (*ps->p != '"') {
		char c = *ps->p;

		if (!c || (unsigned char)c < 0x20) {
			fail(ps, "bad character in a string");
			goto err;
		}
		if (c == '\\') {
			ps->p++;
			e = *ps->p ? strchr(esc_from, *ps->p) : NULL;
			if (e) {
				c = esc_to[e - esc_from];
			} else if (*ps->p == 'u') {
				u = hex4(ps->p + 1);
				if (u < 0) {
					fail(ps, "bad \\u escape");
					goto err;
				}
				c = u < 0x80 ? (char)u : '?';
				ps->p += 4;
			} else {
				fail(ps, "bad escape");
				goto err;
			}
		}
		if (len + 2 > cap) {
			cap *= 2;
			t = realloc(s, cap);
			if (!t)
				goto err;
			s = t;
		}
		s[len++] = c;
		ps->p++;
	}
	ps->p++;
	s[len] = '\0';
	return s;
err:
	free(s);
	return NULL;
}

static struct json_val *parse_value(struct parser *ps);

static int append(struct json_val *v, char *key, struct json_val *item)
{
	struct json_val **vals;
	char **keys;

	vals = realloc(v->vals, (v->n + 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	v->vals = vals;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->vals[v->n++] = item;
	return 0;
}

/* An array or an object at ps->p (on its opening bracket) */
static struct json_val *parse_container(struct parser *ps, bool object)
{
	struct json_val *v = new_val(object ? JSON_OBJECT : JSON_ARRAY);
	struct json_val *item;
	char close = object ? '}' : ']';
	char *key = NULL;

	if (!v)
		return fail(ps, "out of memory");
	if (++ps->depth > JSON_MAX_DEPTH) {
		json_free(v);
		return fail(ps, "nested too deep");
	}
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		skip_ws(ps);
		if (object) {
			if (*ps->p != '"') {
				fail(ps, "expected a key");
				goto err;
			}
			key = parse_string(ps);
			if (!key)
				goto err;
			skip_ws(ps);
			if (*ps->p != ':') {
				fail(ps, "expected ':'");
				goto err;
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item)
			goto err;
		if (append(v, key, item)) {
			json_free(item);
			fail(ps, "out of memory");
			goto err;
		}
		key = NULL;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
	ps->depth--;
	return v;
err:
	free(key);
	json_free(v);
	return NULL;
}

static struct json_val *parse_number(struct parser *ps)
{
	const char *s = ps->p;
	struct json_val *v;
	bool integer = true;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else {
		return fail(ps, "bad number");
	}
	if (*ps->p == '.') {
		integer = false;
		ps->p++;
		if (*ps->p < '0' || *ps->p > '9')
			return fail(ps, "bad fraction");
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		integer = false;
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (*ps->p < '0' || *ps->p > '9')
			return fail(ps, "bad exponent");
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	v = new_val(JSON_NUMBER);
	if (!v)
		return fail(ps, "out of memory");
	v->is_integer = integer;
	if (integer) {
		errno = 0;
		v->integer = strtoll(s, NULL, 10);
		if (errno)
			v->is_integer = false;
	}
	return v;
}

static struct json_val *parse_literal(struct parser *ps, const char *word,
				      enum json_type type, bool b)
{
	struct json_val *v;
	size_t len = strlen(word);

	if (strncmp(ps->p, word, len))
		return fail(ps, "unexpected character");
	ps->p += len;
	v = new_val(type);
	if (!v)
		return fail(ps, "out of memory");
	v->boolean = b;
	return v;
}

static struct json_val *parse_value(struct parser *ps)
{
	struct json_val *v;
	char *s;

	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		s = parse_string(ps);
		if (!s)
			return fail(ps, "bad string");
		v = new_val(JSON_STRING);
		if (!v) {
			free(s);
			return fail(ps, "out of memory");
		}
		v->string = s;
		return v;
	case 't':
		return parse_literal(ps, "true", JSON_BOOL, true);
	case 'f':
		return parse_literal(ps, "false", JSON_BOOL, false);
	case 'n':
		return parse_literal(ps, "null", JSON_NULL, false);
	}
	return parse_number(ps);
}

struct json_val *json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = {
		.p = text, .start = text, .err = err, .errlen = errlen,
	};
	struct json_val *v;

	if (err && errlen)
		err[0] = '\0';
	v = parse_value(&ps);
	if (!v)
		return fail(&ps, "parse error");
	skip_ws(&ps);
	if (*ps.p) {
		json_free(v);
		return fail(&ps, "text after the value");
	}
	return v;
}

void json_free(struct json_val *v)
{
	unsigned int i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		json_free(v->vals[i]);
	}
	free(v->keys);
	free(v->vals);
	free(v->string);
	free(v);
}

const struct json_val *json_get(const struct json_val *v, const char *path)
{
	char part[128];
	const char *dot;
	unsigned int i;
	size_t len;
	char *end;
	long idx;

	while (v && *path) {
		dot = strchr(path, '.');
		len = dot ? (size_t)(dot - path) : strlen(path);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		path += len + (dot ? 1 : 0);
		if (v->type == JSON_ARRAY) {
			idx = strtol(part, &end, 10);
			if (*end || idx < 0 || (unsigned long)idx >= v->n)
				return NULL;
			v = v->vals[idx];
		} else if (v->type == JSON_OBJECT) {
			for (i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], part))
					break;
			v = i < v->n ? v->vals[i] : NULL;
		} else {
			return NULL;
		}
	}
	return v;
}

int json_get_int(const struct json_val *v, const char *path, long long *out)
{
	v = json_get(v, path);
	if (!v)
		return -ENOENT;
	if (v->type != JSON_NUMBER || !v->is_integer)
		return -EINVAL;
	*out = v->integer;
	return 0;
}

int json_get_bool(const struct json_val *v, const char *path, bool *out)
{
	v = json_get(v, path);
	if (!v)
		return -ENOENT;
	if (v->type != JSON_BOOL)
		return -EINVAL;
	*out = v->boolean;
	return 0;
}

const char *json_get_str(const struct json_val *v, const char *path)
{
	v = json_get(v, path);
	return v && v->type == JSON_STRING ? v->string : NULL;
}

bool json_is_null(const struct json_val *v, const char *path)
{
	v = json_get(v, path);
	return v && v->type == JSON_NULL;
}

bool json_array_has_str(const struct json_val *v, const char *path,
			const char *s)
{
	unsigned int i;

	v = json_get(v, path);
	if (!v || v->type != JSON_ARRAY)
		return false;
	for (i = 0; i < v->n; i++)
		if (v->vals[i]->type == JSON_STRING &&
		    !strcmp(v->vals[i]->string, s))
			return true;
	return false;
}

int json_count(const struct json_val *v, const char *path)
{
	v = json_get(v, path);
	if (!v || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return -1;
	return v->n;
}
