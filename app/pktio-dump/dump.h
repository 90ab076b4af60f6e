/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_DUMP_H
#define PKTIO_DUMP_H

/*
 * pktio-dump's parts: the options and the capture filter (options.c), the output files with
 * their rotation (output.c), the pcapng writer (pcapng.c) and the one-line-per-packet text
 * (print.c); main.c attaches, receives, filters and prints the summary.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

#define PROG "pktio-dump"
#define DUMP_BATCH 32
#define DUMP_MAX_SNAPLEN 262144  /* tcpdump's MAXIMUM_SNAPLEN: -s 0 and the default */
#define NSEC_PER_SEC 1000000000ULL

enum dump_format {
	DUMP_PCAP,   /* classic pcap through libpcap */
	DUMP_PCAPNG, /* pcapng: one section, one interface, enhanced packet blocks */
};

struct dump_opts {
	const char *port;
	const char *sock;        /* --socket; NULL: $PKTIO_SOCKET, then the default */
	const char *file;        /* -w; NULL: print one line per packet; "-": stdout */
	unsigned int queue;
	unsigned int mode;       /* PKTIO_F_EXCLUSIVE, _FANOUT or _MIRROR */
	uint64_t count;          /* -c; 0: no limit */
	unsigned int snaplen;    /* -s, 0 already turned into DUMP_MAX_SNAPLEN */
	bool nano;               /* nanosecond time stamps */
	bool precision_set;      /* --micro/--nano/--time-stamp-precision given */
	enum dump_format format;
	bool format_set;         /* --pcapng given */
	uint64_t file_size;      /* -C, in bytes; 0: no size rotation */
	unsigned int rotate_s;   /* -G seconds; 0: no time rotation */
	unsigned int nb_files;   /* -W; 0: no limit */
	char *filter;            /* the expression (trailing arguments joined), or NULL */
	bool verbose;
};

/** One packet to write: time in ns since the epoch, lengths, bytes. */
struct dump_rec {
	uint64_t ns;
	uint32_t caplen;
	uint32_t len;
	const uint8_t *data;
};

/* ---- options.c ---- */

/**
 * Parse the command line into @p o (which holds the defaults) and compile the filter into
 * @p prog (bf_insns NULL when there is none).
 * @return -1 to go on, else the exit status (0 after --help or --version, 2 usage error).
 */
int dump_parse_args(int argc, char **argv, struct dump_opts *o, struct bpf_program *prog);

/* ---- output.c: -w FILE, with -C/-G/-W rotation as tcpdump ---- */

struct dump_out {
	const struct dump_opts *o;
	const char *port;        /* for the pcapng interface name */
	FILE *f;
	char *vbuf;              /* f's buffer: one large write instead of one a few packets */
	char name[4096];         /* current file, "stdout" for -w - */
	pcap_t *pd;              /* pcap: dead handle of the right precision */
	pcap_dumper_t *dumper;   /* pcap: writes into f */
	uint64_t bytes;          /* pcapng: bytes in the current file */
	unsigned int c_count;    /* -C: number of the current file */
	unsigned int g_count;    /* -G: rotations done */
	unsigned int digits;     /* -W: width of the number in the name */
	time_t g_time;           /* -G: start of the current period */
	bool is_stdout;
	bool failed;             /* an error was reported: the output is incomplete */
};

/** Open the first output file. @return 0, or -errno (reported, naming the file). */
int dump_out_open(struct dump_out *w, const struct dump_opts *o, const char *port);

/**
 * Rotate by time (-G) if a period ended before @p now: called once a batch that has packets
 * to write. @return 0, 1 when -W files were written with -G (the capture ends, as tcpdump),
 * or -errno (reported).
 */
int dump_out_tick(struct dump_out *w, time_t now);

/**
 * Write one record, first rotating by size (-C) if the file is over it.
 * @return 0, or -errno (reported, except -EPIPE).
 */
int dump_out_write(struct dump_out *w, const struct dump_rec *r);

/**
 * Push what is buffered to the file (after each batch for -w -, so it can feed a pipe).
 * @return 0, or -errno (reported, except -EPIPE).
 */
int dump_out_flush(struct dump_out *w);

/**
 * Has a write failed? @return 0, or -errno (reported, except -EPIPE). Clear errno before
 * the writes, so that it still holds the failure's cause.
 */
int dump_out_error(struct dump_out *w);

/** Flush and close. @return 0, or -errno when data was lost (reported). */
int dump_out_close(struct dump_out *w);

/* ---- pcapng.c: a writer for the one layout pktio-dump needs ---- */

/**
 * Section header and interface description blocks (EN10MB, @p snaplen, if_name @p port,
 * if_tsresol 9 or 6). @return the bytes written, or 0 on a write error (see ferror).
 */
size_t dump_pcapng_header(FILE *f, const char *port, unsigned int snaplen, bool nano);

/** One enhanced packet block. @return the bytes written, or 0 on a write error. */
size_t dump_pcapng_packet(FILE *f, const struct dump_rec *r, bool nano);

/* ---- print.c: without -w ---- */

/** One line like tcpdump -e -q on stdout. */
void dump_print(const struct dump_rec *r, bool nano);

#endif /* PKTIO_DUMP_H */
