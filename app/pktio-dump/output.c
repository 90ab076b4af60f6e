/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The output files of -w: classic pcap through libpcap, or pcapng (pcapng.c), and tcpdump's
 * rotation. -C: before writing a packet, a file over the size is closed and the next one
 * opened (FILE, FILE1, FILE2...; with -W a ring FILE0..FILE<W-1>). -G: the first packet of a
 * new period closes the file and opens one named by strftime(FILE); -W with -G alone ends
 * the capture after that many files. Every error names its file.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"

#define OUT_BUF_SIZE (256 * 1024)
#define PCAP_REC_HDR 16 /* a record's header on disk: seconds, fraction, caplen, len */

/* Report @p err once per capture, naming the file; not EPIPE, the reader's normal end. */
static int
out_report(struct dump_out *w, int err)
{
	if (err != EPIPE && !w->failed)
		fprintf(stderr, PROG ": %s: %s\n", w->name, strerror(err));
	w->failed = true;
	return -err;
}

/* Digits of the file number with -W, as tcpdump: enough for W - 1. */
static unsigned int
number_width(unsigned int nb_files)
{
	unsigned int c = 0, x = nb_files > 0 ? nb_files - 1 : 0;

	while (x > 0) {
		c++;
		x /= 10;
	}
	return c;
}

/* The name of file @p cnt, as tcpdump's MakeFilename. @return 0, or -ENAMETOOLONG. */
static int
make_name(struct dump_out *w, unsigned int cnt, unsigned int width)
{
	char base[sizeof(w->name)];
	struct tm tm;
	int n;

	if (w->o->rotate_s != 0) {
		localtime_r(&w->g_time, &tm);
		if (strftime(base, sizeof(base), w->o->file, &tm) == 0 && w->o->file[0] != '\0')
			return -ENAMETOOLONG;
	} else {
		snprintf(base, sizeof(base), "%s", w->o->file);
	}
	if (cnt == 0 && width == 0)
		n = snprintf(w->name, sizeof(w->name), "%s", base);
	else
		n = snprintf(w->name, sizeof(w->name), "%s%0*u", base, (int)width, cnt);
	return n < 0 || (size_t)n >= sizeof(w->name) ? -ENAMETOOLONG : 0;
}

/* Open w->name (or stdout) and write the file header. @return 0, or -errno (reported). */
static int
file_open(struct dump_out *w)
{
	size_t n;

	w->f = w->is_stdout ? stdout : fopen(w->name, "wb");
	if (w->f == NULL)
		return out_report(w, errno);
	if (w->vbuf != NULL && !w->is_stdout) /* stdout may outlive it */
		setvbuf(w->f, w->vbuf, _IOFBF, OUT_BUF_SIZE);
	if (w->o->format == DUMP_PCAP) {
		w->dumper = pcap_dump_fopen(w->pd, w->f);
		if (w->dumper == NULL) {
			/* libpcap closed the file, unless it is stdout */
			fprintf(stderr, PROG ": %s: %s\n", w->name, pcap_geterr(w->pd));
			w->failed = true;
			w->f = NULL;
			return -EIO;
		}
		w->bytes = sizeof(struct pcap_file_header);
		return 0;
	}
	n = dump_pcapng_header(w->f, w->port, w->o->snaplen, w->o->nano);
	if (n == 0) {
		out_report(w, errno != 0 ? errno : EIO);
		goto close_file;
	}
	w->bytes = n;
	return 0;

close_file:
	if (!w->is_stdout)
		fclose(w->f);
	w->f = NULL;
	return -EIO;
}

/* Flush and close the current file. @return 0, or -errno (reported). */
static int
file_close(struct dump_out *w)
{
	int err = 0;

	if (w->f == NULL)
		return 0;
	errno = 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		err = errno != 0 ? errno : EIO;
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper); /* closes w->f */
	else if (fclose(w->f) != 0 && err == 0)
		err = errno;
	w->dumper = NULL;
	w->f = NULL;
	return err != 0 ? out_report(w, err) : 0;
}

/* Close the current file and open file @p cnt. @return 0, or -errno (reported). */
static int
file_next(struct dump_out *w, unsigned int cnt, unsigned int width)
{
	int rc = file_close(w);

	if (rc < 0)
		return rc;
	rc = make_name(w, cnt, width);
	if (rc < 0) {
		fprintf(stderr, PROG ": %s: file name too long\n", w->o->file);
		return rc;
	}
	return file_open(w);
}

int
dump_out_open(struct dump_out *w, const struct dump_opts *o, const char *port)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->o = o;
	w->port = port;
	w->is_stdout = strcmp(o->file, "-") == 0;
	w->digits = number_width(o->nb_files);
	w->vbuf = malloc(OUT_BUF_SIZE); /* without it, stdio's default: slower, still right */
	if (o->format == DUMP_PCAP) {
		w->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)o->snaplen,
			o->nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
		if (w->pd == NULL) {
			fprintf(stderr, PROG ": %s: cannot set up pcap output\n", o->file);
			return -ENOMEM;
		}
	}
	if (w->is_stdout) {
		snprintf(w->name, sizeof(w->name), "stdout");
	} else if (o->file_size != 0 || o->rotate_s != 0) {
		w->g_time = time(NULL);
		rc = make_name(w, 0, o->file_size != 0 ? w->digits : 0);
		if (rc < 0) {
			fprintf(stderr, PROG ": %s: file name too long\n", o->file);
			goto close_pcap;
		}
	} else {
		snprintf(w->name, sizeof(w->name), "%s", o->file);
	}
	rc = file_open(w);
	if (rc < 0)
		goto close_pcap;
	return 0;

close_pcap:
	if (w->pd != NULL)
		pcap_close(w->pd);
	w->pd = NULL;
	free(w->vbuf);
	w->vbuf = NULL;
	return rc;
}

int
dump_out_tick(struct dump_out *w, time_t now)
{
	const struct dump_opts *o = w->o;
	int rc;

	if (o->rotate_s == 0 || now - w->g_time < (time_t)o->rotate_s)
		return 0;
	w->g_time = now;
	w->g_count++;
	if (o->file_size == 0 && o->nb_files != 0 && w->g_count >= o->nb_files) {
		rc = file_close(w);
		if (rc < 0)
			return rc;
		fprintf(stderr, "Maximum file limit reached: %u\n", o->nb_files);
		return 1;
	}
	/* a new period starts a new -C series: FILE, or FILE0 with -W */
	w->c_count = 0;
	return file_next(w, 0, o->file_size != 0 ? w->digits : 0);
}

int
dump_out_write(struct dump_out *w, const struct dump_rec *r)
{
	const struct dump_opts *o = w->o;
	struct pcap_pkthdr ph;
	size_t n;
	int rc;

	if (o->file_size != 0 && w->bytes > o->file_size) {
		w->c_count++;
		if (o->nb_files != 0 && w->c_count >= o->nb_files)
			w->c_count = 0;
		rc = file_next(w, w->c_count, w->digits);
		if (rc < 0)
			return rc;
	}
	if (o->format == DUMP_PCAPNG) {
		n = dump_pcapng_packet(w->f, r, o->nano);
		if (n == 0)
			return dump_out_error(w);
		w->bytes += n;
		return 0;
	}
	ph.ts.tv_sec = (time_t)(r->ns / NSEC_PER_SEC);
	ph.ts.tv_usec = (suseconds_t)(r->ns % NSEC_PER_SEC / (o->nano ? 1 : 1000));
	ph.caplen = r->caplen;
	ph.len = r->len;
	pcap_dump((u_char *)w->dumper, &ph, r->data);
	w->bytes += PCAP_REC_HDR + r->caplen;
	return 0;
}

int
dump_out_flush(struct dump_out *w)
{
	if (w->f == NULL)
		return 0;
	errno = 0;
	if (fflush(w->f) != 0)
		return out_report(w, errno != 0 ? errno : EIO);
	return 0;
}

int
dump_out_error(struct dump_out *w)
{
	if (w->f == NULL || !ferror(w->f))
		return 0;
	return out_report(w, errno != 0 ? errno : EIO);
}

int
dump_out_close(struct dump_out *w)
{
	bool failed = w->failed;
	int rc = file_close(w);

	if (w->pd != NULL)
		pcap_close(w->pd);
	w->pd = NULL;
	free(w->vbuf); /* after the last fclose */
	w->vbuf = NULL;
	return failed ? -EIO : rc;
}
