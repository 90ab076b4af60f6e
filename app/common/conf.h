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

/**
 * Unsigned decimal integer in [@p min, @p max] (no sign, no "0x", a leading 0 is not octal);
 * an absent key keeps *@p v. @return 0 or -EINVAL.
 */
int conf_get_uint(struct conf_ctx *x, const char *sec, const char *key, uint32_t min,
		  uint32_t max, uint32_t *v);

/** yes/true/1 or no/false/0; an absent key keeps *@p v. @return 0 or -EINVAL. */
int conf_get_bool(struct conf_ctx *x, const char *sec, const char *key, bool *v);

/** String of under @p len characters copied to @p dst; absent keeps it. @return 0 or -EINVAL. */
int conf_get_str(struct conf_ctx *x, const char *sec, const char *key, char *dst, size_t len);

/**
 * Every key of [@p sec] is in the NULL-terminated @p known, and none is given twice except
 * those listed in the NULL-terminated @p repeatable (NULL: none may be).
 * @return 0; -EINVAL; -ENOMEM.
 */
int conf_keys(struct conf_ctx *x, const char *sec, const char *const *known,
	      const char *const *repeatable);

/** Highest lcore id + 1 that conf_eal_lcores() records. */
#define CONF_MAX_LCORE 1024

/** The lcores EAL arguments enable, as their -l, -c, --lcores and --main-lcore say. */
struct conf_lcores {
	uint64_t set[CONF_MAX_LCORE / 64]; /**< one bit per enabled lcore */
	unsigned int count;                /**< enabled lcores */
	unsigned int main_lcore;           /**< --main-lcore, else the lowest enabled */
};

/**
 * Read which lcores the blank-separated EAL arguments @p eal enable: an -l list (1,3-5),
 * a -c hex mask or an --lcores map ((0-1)@0,2@1), and --main-lcore.
 * @return the number of lcores, @p lc filled; 0 when the arguments do not tell (none of
 * these options, several of them, a value this reader cannot follow, a main lcore outside
 * the set): EAL then decides (every CPU of the affinity, or a refusal).
 */
unsigned int conf_eal_lcores(const char *eal, struct conf_lcores *lc);

/** Does @p lc enable lcore @p id? */
bool conf_lcore_enabled(const struct conf_lcores *lc, unsigned int id);

/**
 * The first of the blank-separated EAL arguments @p eal that EAL would take as neither an
 * option nor an option's value (EAL's getopt stops there and the word is silently unused),
 * or a "--" (which would end the options, also those the app appends), copied into @p word.
 * An option this function does not know is taken to have a value.
 * @return true if there is such a word.
 */
bool conf_eal_stray(const char *eal, char *word, size_t len);

#endif /* PKTIO_APP_CONF_H */
