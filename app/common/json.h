/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_JSON_H
#define PKTIO_JSON_H

/**
 * @file
 * The one JSON writer of the tools (libc only): a small streaming writer over a stdio
 * stream. The caller says what comes (an object, a key, a number) and the writer puts the
 * commas, colons, quotes, escapes and line breaks.
 *
 * Strings are escaped in full: '"' and '\\', the control characters (\b \f \n \r \t, the
 * others and DEL as \u00XX), and every byte that does not belong to a valid UTF-8 sequence
 * becomes U+FFFD (one per byte); valid UTF-8 passes as it is. Numbers: unsigned and signed
 * 64-bit integers exactly, doubles with a fixed number of decimals (a NaN or an infinity,
 * which JSON cannot hold, is written as null). Numbers go through printf: the tools keep the
 * "C" locale, whose decimal point JSON needs.
 *
 * Errors are sticky: the first write error (-errno) or misuse (-EINVAL: a value where a
 * key is due, a key outside an object, a close that matches no open, nesting deeper than
 * JSON_MAX_DEPTH) is kept, nothing more is written, and json_finish() returns it.
 *
 * Each top-level value is followed by a newline, so that several make JSON Lines.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Deepest nesting of objects and arrays. */
#define JSON_MAX_DEPTH 16

/** json_init() flag: ", " and ": " between items (else "," and ":", the compact form). */
#define JSON_F_SPACED 0x1u
/**
 * json_init() flag: each member of a container opened less than @p n levels deep (the
 * top-level one is level 0) goes on a line of its own, indented two spaces a level;
 * deeper containers stay on one line. 0 (the default) writes everything on one line.
 */
#define JSON_F_PRETTY(n) ((unsigned int)(n) << 8)

/** A writer; its fields are the writer's own. */
struct json_writer {
	FILE *f;
	unsigned int flags;
	unsigned int depth;             /**< containers open */
	int err;                        /**< first error, -errno; 0 while all is well */
	bool key_done;                  /**< a key was written: its value is due */
	char kind[JSON_MAX_DEPTH];      /**< '{' or '[' per open container */
	uint32_t count[JSON_MAX_DEPTH]; /**< members written so far per open container */
};

/**
 * Start writing to @p f.
 * @param w
 *   The writer to set up.
 * @param f
 *   Where the text goes; the caller keeps it open and closes it.
 * @param flags
 *   JSON_F_SPACED, JSON_F_PRETTY(n), or 0 for compact JSON on one line.
 */
void json_init(struct json_writer *w, FILE *f, unsigned int flags);

/** Open an object, as a value (at the top, in an array, or after json_key()). */
void json_object_begin(struct json_writer *w);

/** Close the innermost container, which must be an object (else -EINVAL). */
void json_object_end(struct json_writer *w);

/** Open an array, as a value. */
void json_array_begin(struct json_writer *w);

/** Close the innermost container, which must be an array (else -EINVAL). */
void json_array_end(struct json_writer *w);

/** The key of the next member of the innermost object; escaped as any string. */
void json_key(struct json_writer *w, const char *key);

/** A string value: @p s up to its NUL. NULL writes null. */
void json_string(struct json_writer *w, const char *s);

/**
 * A string value from a fixed-size field that may lack its NUL: at most @p max bytes of
 * @p s, up to a NUL.
 */
void json_string_n(struct json_writer *w, const char *s, size_t max);

/** An unsigned integer value, every digit of it (up to 18446744073709551615). */
void json_u64(struct json_writer *w, uint64_t v);

/** A signed integer value. */
void json_i64(struct json_writer *w, int64_t v);

/** A number with @p decimals digits after the point (0: none, no point); null if not finite. */
void json_double(struct json_writer *w, double v, int decimals);

/** true or false. */
void json_bool(struct json_writer *w, bool v);

/** null. */
void json_null(struct json_writer *w);

/**
 * Flush the stream and say how it went.
 * @return 0; the first error: -errno of a failed write or flush (-EIO when the stream
 *   gives no errno); -EINVAL for a misuse, or a container or key left open.
 */
int json_finish(struct json_writer *w);

/** A member: key and unsigned value. */
static inline void
json_kv_u64(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_u64(w, v);
}

/** A member: key and signed value. */
static inline void
json_kv_i64(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_i64(w, v);
}

/** A member: key and number with @p decimals digits after the point. */
static inline void
json_kv_double(struct json_writer *w, const char *key, double v, int decimals)
{
	json_key(w, key);
	json_double(w, v, decimals);
}

/** A member: key and string. */
static inline void
json_kv_str(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

/** A member: key and string from a fixed-size field (json_string_n()). */
static inline void
json_kv_strn(struct json_writer *w, const char *key, const char *s, size_t max)
{
	json_key(w, key);
	json_string_n(w, s, max);
}

/** A member: key and boolean. */
static inline void
json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

#endif /* PKTIO_JSON_H */
