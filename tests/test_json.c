/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The tools' JSON writer (app/common/json.c): escaping of every control character and of
 * invalid UTF-8, nesting and the three layouts the tools use, numbers at their limits,
 * misuse and write errors reported by json_finish().
 */

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../app/common/json.h"

/* A writer over a memory stream; out() ends it and gives the text. */
struct cap {
	struct json_writer w;
	FILE *f;
	char *buf;
	size_t len;
	int rc;
};

static void
cap_open(struct cap *c, unsigned int flags)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	json_init(&c->w, c->f, flags);
}

/* Finish, close, and compare with @p want; frees the text. */
static void
cap_expect(struct cap *c, int rc, const char *want)
{
	c->rc = json_finish(&c->w);
	fclose(c->f);
	assert_int_equal(c->rc, rc);
	if (want != NULL)
		assert_string_equal(c->buf, want);
	free(c->buf);
}

/* The text json_string() writes for @p n bytes at @p s. */
static void
want_string(const char *s, size_t n, const char *want)
{
	char line[256];
	struct cap c;

	cap_open(&c, 0);
	json_string_n(&c.w, s, n);
	snprintf(line, sizeof(line), "%s\n", want);
	cap_expect(&c, 0, line);
}

static void
test_json_escape_controls(void **state)
{
	char in[2] = "", want[16];
	unsigned int ch;

	(void)state;
	for (ch = 1; ch < 0x20; ch++) {
		in[0] = (char)ch;
		switch (ch) {
		case '\b':
			strcpy(want, "\"\\b\"");
			break;
		case '\f':
			strcpy(want, "\"\\f\"");
			break;
		case '\n':
			strcpy(want, "\"\\n\"");
			break;
		case '\r':
			strcpy(want, "\"\\r\"");
			break;
		case '\t':
			strcpy(want, "\"\\t\"");
			break;
		default:
			snprintf(want, sizeof(want), "\"\\u%04x\"", ch);
		}
		want_string(in, 1, want);
	}
	want_string("\x7f", 1, "\"\\u007f\"");
	want_string("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	/* every printable ASCII byte but '"' and '\\' stands for itself */
	for (ch = 0x20; ch < 0x7f; ch++) {
		if (ch == '"' || ch == '\\')
			continue;
		in[0] = (char)ch;
		snprintf(want, sizeof(want), "\"%c\"", ch);
		want_string(in, 1, want);
	}
	/* a NUL ends the string; a field without one ends at its size */
	want_string("ab\0cd", 5, "\"ab\"");
	want_string("abcdef", 3, "\"abc\"");
	want_string("", 1, "\"\"");
}

static void
test_json_escape_invalid_utf8(void **state)
{
	(void)state;
	/* valid sequences of 2, 3 and 4 bytes pass as they are */
	want_string("\xc3\xa9t\xc3\xa9", 6, "\"\xc3\xa9t\xc3\xa9\"");
	want_string("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	want_string("\xf0\x9d\x84\x9e", 4, "\"\xf0\x9d\x84\x9e\"");
	want_string("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	/* one U+FFFD per byte that is not part of a valid sequence */
	want_string("\x80", 1, "\"\\ufffd\"");                      /* lone continuation */
	want_string("a\xff" "b", 3, "\"a\\ufffdb\"");
	want_string("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");           /* overlong '/' */
	want_string("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* overlong */
	want_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate D800 */
	want_string("\xf4\x90\x80\x80", 4,
		      "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");                /* above U+10FFFF */
	want_string("\xf5\x80", 2, "\"\\ufffd\\ufffd\"");
	/* cut short: by the end of the string, by the field's size, by a NUL */
	want_string("x\xe2\x82", 3, "\"x\\ufffd\\ufffd\"");
	want_string("\xe2\x82\xac", 2, "\"\\ufffd\\ufffd\"");
	want_string("\xe2\x82\0\xac", 4, "\"\\ufffd\\ufffd\"");
	/* a bad lead byte does not swallow the valid sequence after it */
	want_string("\xe2\xc3\xa9", 3, "\"\\ufffd\xc3\xa9\"");
}

static void
test_json_key_escaped(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_kv_u64(&c.w, "a\"\n\xff", 1);
	json_object_end(&c.w);
	cap_expect(&c, 0, "{\"a\\\"\\n\\ufffd\":1}\n");
}

/* The same document in the three layouts the tools use. */
static void
nested(struct json_writer *w)
{
	json_object_begin(w);
	json_kv_str(w, "name", "p0");
	json_key(w, "ports");
	json_array_begin(w);
	json_object_begin(w);
	json_kv_u64(w, "rx", 1);
	json_key(w, "lat");
	json_object_begin(w);
	json_kv_double(w, "p50", 1.5, 3);
	json_object_end(w);
	json_object_end(w);
	json_object_begin(w);
	json_object_end(w);
	json_array_end(w);
	json_key(w, "clients");
	json_array_begin(w);
	json_array_end(w);
	json_kv_bool(w, "ok", true);
	json_key(w, "none");
	json_null(w);
	json_object_end(w);
}

static void
test_json_nesting_layouts(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c, 0);
	nested(&c.w);
	cap_expect(&c, 0, "{\"name\":\"p0\",\"ports\":[{\"rx\":1,\"lat\":{\"p50\":1.500}},{}],"
		       "\"clients\":[],\"ok\":true,\"none\":null}\n");

	cap_open(&c, JSON_F_SPACED);
	nested(&c.w);
	cap_expect(&c, 0, "{\"name\": \"p0\", \"ports\": [{\"rx\": 1, \"lat\": {\"p50\": 1.500}}, "
		       "{}], \"clients\": [], \"ok\": true, \"none\": null}\n");

	/* pktioctl's and pktio-fwd's: two levels on lines, deeper ones inline */
	cap_open(&c, JSON_F_SPACED | JSON_F_PRETTY(2));
	nested(&c.w);
	cap_expect(&c, 0,
		   "{\n"
		   "  \"name\": \"p0\",\n"
		   "  \"ports\": [\n"
		   "    {\"rx\": 1, \"lat\": {\"p50\": 1.500}},\n"
		   "    {}\n"
		   "  ],\n"
		   "  \"clients\": [],\n"
		   "  \"ok\": true,\n"
		   "  \"none\": null\n"
		   "}\n");
}

static void
test_json_deep_nesting(void **state)
{
	struct cap c;
	unsigned int i;

	(void)state;
	cap_open(&c, 0);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&c.w);
	json_u64(&c.w, 7);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(&c.w);
	cap_expect(&c, 0, "[[[[[[[[[[[[[[[[7]]]]]]]]]]]]]]]]\n");

	cap_open(&c, 0);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_begin(&c.w);
	cap_expect(&c, -EINVAL, NULL);
}

static void
test_json_numbers(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c, JSON_F_SPACED);
	json_array_begin(&c.w);
	json_u64(&c.w, UINT64_MAX);
	json_u64(&c.w, 0);
	json_i64(&c.w, INT64_MIN);
	json_i64(&c.w, INT64_MAX);
	json_i64(&c.w, -1);
	json_double(&c.w, 2.5, 0);      /* round half to even, as printf */
	json_double(&c.w, 1234567.0, 0);
	json_double(&c.w, -0.125, 3);
	json_double(&c.w, 1.0 / 3, 6);
	json_double(&c.w, 1e300, 2);
	json_double(&c.w, NAN, 3);
	json_double(&c.w, INFINITY, 3);
	json_double(&c.w, -INFINITY, 0);
	json_double(&c.w, 0.1, 99);     /* clamped to 17 decimals */
	json_array_end(&c.w);
	json_finish(&c.w);
	fclose(c.f);
	assert_int_equal(c.w.err, 0);
	assert_non_null(strstr(c.buf, "[18446744073709551615, 0, -9223372036854775808, "
				      "9223372036854775807, -1, 2, 1234567, -0.125, 0.333333, 1"));
	assert_non_null(strstr(c.buf, ".00, null, null, null, 0.10000000000000001]\n"));
	free(c.buf);
}

static void
test_json_lines(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_kv_u64(&c.w, "n", 1);
	json_object_end(&c.w);
	json_object_begin(&c.w);
	json_kv_u64(&c.w, "n", 2);
	json_object_end(&c.w);
	json_string(&c.w, "end");
	cap_expect(&c, 0, "{\"n\":1}\n{\"n\":2}\n\"end\"\n");
}

static void
test_json_misuse(void **state)
{
	struct cap c;

	(void)state;
	/* a value where a key is due */
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_u64(&c.w, 1);
	json_object_end(&c.w);
	cap_expect(&c, -EINVAL, "{");

	/* a key in an array, or at the top */
	cap_open(&c, 0);
	json_array_begin(&c.w);
	json_key(&c.w, "k");
	cap_expect(&c, -EINVAL, "[");
	cap_open(&c, 0);
	json_key(&c.w, "k");
	cap_expect(&c, -EINVAL, "");

	/* two keys in a row, a close with a key pending */
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_key(&c.w, "a");
	json_key(&c.w, "b");
	cap_expect(&c, -EINVAL, "{\"a\":");
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_key(&c.w, "a");
	json_object_end(&c.w);
	cap_expect(&c, -EINVAL, "{\"a\":");

	/* closes that match nothing */
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_array_end(&c.w);
	cap_expect(&c, -EINVAL, "{");
	cap_open(&c, 0);
	json_object_end(&c.w);
	cap_expect(&c, -EINVAL, "");

	/* left open */
	cap_open(&c, 0);
	json_array_begin(&c.w);
	json_u64(&c.w, 1);
	cap_expect(&c, -EINVAL, "[1");

	/* the first error sticks: nothing more is written */
	cap_open(&c, 0);
	json_array_begin(&c.w);
	json_array_end(&c.w);
	json_array_end(&c.w);
	json_u64(&c.w, 5);
	cap_expect(&c, -EINVAL, "[]\n");

	/* NULL strings are null; a NULL key is a misuse */
	cap_open(&c, 0);
	json_string(&c.w, NULL);
	cap_expect(&c, 0, "null\n");
	cap_open(&c, 0);
	json_object_begin(&c.w);
	json_key(&c.w, NULL);
	cap_expect(&c, -EINVAL, "{");
}

static void
test_json_write_error(void **state)
{
	struct json_writer w;
	FILE *f;
	int i;

	(void)state;
	/* buffered: the error shows when the stream is flushed */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	json_init(&w, f, 0);
	json_object_begin(&w);
	json_kv_str(&w, "k", "v");
	json_object_end(&w);
	assert_int_equal(json_finish(&w), -ENOSPC);
	fclose(f);

	/* unbuffered: the first write fails, and the writer stops there */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	json_init(&w, f, JSON_F_PRETTY(1));
	json_array_begin(&w);
	assert_int_equal(w.err, -ENOSPC);
	for (i = 0; i < 1000; i++)
		json_u64(&w, i);
	json_array_end(&w);
	assert_int_equal(json_finish(&w), -ENOSPC);
	fclose(f);

	/* a stream opened for reading */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	json_init(&w, f, 0);
	json_u64(&w, 1);
	assert_true(json_finish(&w) < 0);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape_controls),
		cmocka_unit_test(test_json_escape_invalid_utf8),
		cmocka_unit_test(test_json_key_escaped),
		cmocka_unit_test(test_json_nesting_layouts),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_json_misuse),
		cmocka_unit_test(test_json_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
