/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* The tools' JSON writer: see json.h. */

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

#define JSON_DECIMALS_MAX 17    /* a double holds no more */

static void
fail(struct json_writer *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

static void
put(struct json_writer *w, const void *s, size_t n)
{
	if (w->err != 0 || n == 0)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n)
		fail(w, errno != 0 ? -errno : -EIO);
}

static void
puts_(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Does the container at @p level (0: the top-level one) put its members on lines? */
static bool
pretty(const struct json_writer *w, unsigned int level)
{
	return level < (w->flags >> 8);
}

static void
newline(struct json_writer *w, unsigned int level)
{
	static const char spaces[2 * JSON_MAX_DEPTH + 1] = "                                ";

	put(w, "\n", 1);
	put(w, spaces, 2 * level);
}

/* Before a key (in an object) or a value (in an array): the comma, the line break. */
static void
member_begin(struct json_writer *w)
{
	unsigned int top = w->depth - 1;

	if (w->count[top]++ > 0)
		puts_(w, (w->flags & JSON_F_SPACED) && !pretty(w, top) ? ", " : ",");
	if (pretty(w, top))
		newline(w, w->depth);
}

/* Before any value. @return false when it may not come here (the error is set). */
static bool
value_begin(struct json_writer *w)
{
	if (w->err != 0)
		return false;
	if (w->depth == 0)
		return true;
	if (w->kind[w->depth - 1] == '{') {
		if (!w->key_done) {
			fail(w, -EINVAL);
			return false;
		}
		w->key_done = false;
		return true;
	}
	member_begin(w);
	return true;
}

/* After any value: a top-level one ends its line. */
static void
value_end(struct json_writer *w)
{
	if (w->depth == 0)
		put(w, "\n", 1);
}

/* Length of the valid UTF-8 sequence at @p s (at most @p n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The escape of ASCII byte @p c into @p buf, or NULL when it stands for itself. */
static const char *
ascii_escape(unsigned char c, char buf[8])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		if (c >= 0x20 && c != 0x7f)
			return NULL;
		snprintf(buf, 8, "\\u%04x", c);
		return buf;
	}
}

/* @p n bytes at @p str as a JSON string; runs of plain bytes go out in one write. */
static void
string_write(struct json_writer *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, k, start = 0;
	const char *esc;
	char buf[8];

	put(w, "\"", 1);
	for (i = 0; i < n; i += k) {
		k = 1;
		if (s[i] >= 0x80) {
			k = utf8_len(s + i, n - i);
			if (k > 0)
				continue;
			k = 1;
			esc = "\\ufffd";
		} else {
			esc = ascii_escape(s[i], buf);
			if (esc == NULL)
				continue;
		}
		put(w, s + start, i - start);
		puts_(w, esc);
		start = i + k;
	}
	put(w, s + start, n - start);
	put(w, "\"", 1);
}

void
json_init(struct json_writer *w, FILE *f, unsigned int flags)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->flags = flags;
}

static void
container_begin(struct json_writer *w, char kind)
{
	if (!value_begin(w))
		return;
	if (w->depth == JSON_MAX_DEPTH) {
		fail(w, -EINVAL);
		return;
	}
	put(w, kind == '{' ? "{" : "[", 1);
	w->kind[w->depth] = kind;
	w->count[w->depth] = 0;
	w->depth++;
}

static void
container_end(struct json_writer *w, char kind)
{
	if (w->err != 0)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->key_done) {
		fail(w, -EINVAL);
		return;
	}
	w->depth--;
	if (pretty(w, w->depth) && w->count[w->depth] > 0)
		newline(w, w->depth);
	put(w, kind == '{' ? "}" : "]", 1);
	value_end(w);
}

void
json_object_begin(struct json_writer *w)
{
	container_begin(w, '{');
}

void
json_object_end(struct json_writer *w)
{
	container_end(w, '{');
}

void
json_array_begin(struct json_writer *w)
{
	container_begin(w, '[');
}

void
json_array_end(struct json_writer *w)
{
	container_end(w, '[');
}

void
json_key(struct json_writer *w, const char *key)
{
	if (w->err != 0)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->key_done || key == NULL) {
		fail(w, -EINVAL);
		return;
	}
	member_begin(w);
	string_write(w, key, strlen(key));
	puts_(w, (w->flags & JSON_F_SPACED) ? ": " : ":");
	w->key_done = true;
}

void
json_string_n(struct json_writer *w, const char *s, size_t max)
{
	if (s == NULL) {
		json_null(w);
		return;
	}
	if (!value_begin(w))
		return;
	string_write(w, s, strnlen(s, max));
	value_end(w);
}

void
json_string(struct json_writer *w, const char *s)
{
	json_string_n(w, s, SIZE_MAX);
}

/* A value that is a bare word: a number, true, false, null. */
static void
word_write(struct json_writer *w, const char *word)
{
	if (!value_begin(w))
		return;
	puts_(w, word);
	value_end(w);
}

void
json_u64(struct json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	word_write(w, buf);
}

void
json_i64(struct json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	word_write(w, buf);
}

void
json_double(struct json_writer *w, double v, int decimals)
{
	char buf[DBL_MAX_10_EXP + JSON_DECIMALS_MAX + 8];

	if (!isfinite(v)) {
		word_write(w, "null");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > JSON_DECIMALS_MAX)
		decimals = JSON_DECIMALS_MAX;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	word_write(w, buf);
}

void
json_bool(struct json_writer *w, bool v)
{
	word_write(w, v ? "true" : "false");
}

void
json_null(struct json_writer *w)
{
	word_write(w, "null");
}

int
json_finish(struct json_writer *w)
{
	if (w->depth != 0 || w->key_done)
		fail(w, -EINVAL);
	errno = 0;
	if (fflush(w->f) != 0)
		fail(w, errno != 0 ? -errno : -EIO);
	if (ferror(w->f))
		fail(w, -EIO);
	return w->err;
}
