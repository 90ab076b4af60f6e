/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_APP_CONF_H
#define PKTIO_APP_CONF_H

/**
 * @file
 * INI helpers over librte_cfgfile shared by the apps (pktiod, pktio-fwd). rte_cfgfile keeps
 * no line numbers, so a first pass over the text checks the syntax and a lookup finds the
 * line of a section or key for the messages about values. Every error is written as
 * "FILE:LINE: message" (LINE 0 when the line is not known) and returned as -EINVAL.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_cfgfile;

/** The comment character: the rest of a line after it is ignored. */
#define CONF_COMMENT ';'

/** A configuration being read: its file, its parsed form and where errors go. */
struct conf_ctx {
	const char *path;        /**< the file, named in messages */
	struct rte_cfgfile *cfg; /**< the parsed file */
	char *err;               /**< message buffer */
	size_t errlen;           /**< its size */
};

/** Cut leading and trailing blanks of @p s in place; @return the trimmed start. */
char *conf_trim(char *s);

/** Cut the comment of @p line and trim it in place; @return the trimmed start. */
char *conf_clean_line(char *line);

/**
 * Line number in @p path of the @p sec_nth (from 0) [@p section] (@p key NULL), or of the
 * @p key_nth (from 0) @p key in it.
 * @return the line (from 1), 0 if not found.
 */
unsigned int conf_line(const char *path, const char *section, unsigned int sec_nth,
		       const char *key, unsigned int key_nth);

/** Write "FILE:@p line: message" into @p x's buffer. @return -EINVAL. */
int conf_verror(struct conf_ctx *x, unsigned int line, const char *fmt, va_list ap);

/** Error at the first @p key of [@p sec] (the section's line if NULL). @return -EINVAL. */
int conf_error(struct conf_ctx *x, const char *sec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Error at the @p key_nth @p key of the @p sec_nth [@p sec] (see conf_line()). @return -EINVAL. */
int conf_error_nth(struct conf_ctx *x, const char *sec, unsigned int sec_nth, const char *key,
		   unsigned int key_nth, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/**
 * The syntax pass over the raw file: lines fit rte_cfgfile's buffers, sections close their
 * bracket, other lines are key = value inside a section.
 * @return 0; -EINVAL (message in @p err); -errno if @p path cannot be opened.
 */
int conf_syntax(const char *path, char *err, size_t errlen);

/**
 * conf_syntax() then rte_cfgfile_load(); fills @p x (close x->cfg with rte_cfgfile_close()).
 * @return 0; -EINVAL or -errno, the message in @p err.
 */
int conf_open(struct conf_ctx *x, const char *path, char *err, size_t errlen);

/** Unsigned integer in [@p min, @p max]; an absent key keeps *@p v. @return 0 or -EINVAL. */
int conf_get_uint(struct conf_ctx *x, const char *sec, const char *key, uint32_t min,
		  uint32_t max, uint32_t *v);

/** yes/true/1 or no/false/0; an absent key keeps *@p v. @return 0 or -EINVAL. */
int conf_get_bool(struct conf_ctx *x, const char *sec, const char *key, bool *v);

/** String of under @p len characters copied to @p dst; absent keeps it. @return 0 or -EINVAL. */
int conf_get_str(struct conf_ctx *x, const char *sec, const char *key, char *dst, size_t len);

/**
 * Every key of [@p sec] is in the NULL-terminated @p known; unless @p repeatable is NULL,
 * only the keys listed in it may be given twice.
 * @return 0; -EINVAL; -ENOMEM.
 */
int conf_keys(struct conf_ctx *x, const char *sec, const char *const *known,
	      const char *const *repeatable);

#endif /* PKTIO_APP_CONF_H */
