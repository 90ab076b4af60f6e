/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "harness.h"

void
cap_add(struct capture *c, const uint8_t *data, uint32_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->p = realloc(c->p, c->cap * sizeof(*c->p));
		assert_non_null(c->p);
	}
	c->p[c->n].data = malloc(len ? len : 1);
	assert_non_null(c->p[c->n].data);
	memcpy(c->p[c->n].data, data, len);
	c->p[c->n++].len = len;
}

void
cap_free(struct capture *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		free(c->p[i].data);
	free(c->p);
	memset(c, 0, sizeof(*c));
}

int
cap_read(struct capture *c, const char *path, pcap_dumper_t *out)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, err);

	if (pc == NULL)
		return -1;
	if (pcap_datalink(pc) != DLT_EN10MB) {
		pcap_close(pc);
		return -1;
	}
	while (pcap_next_ex(pc, &h, &data) == 1) {
		cap_add(c, data, h->caplen);
		if (out != NULL)
			pcap_dump((u_char *)out, h, data);
	}
	pcap_close(pc);
	return 0;
}

void
cap_write(const struct capture *c, const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *out = pcap_dump_open(dead, path);
	struct pcap_pkthdr h = { .ts = { 1, 0 } };
	unsigned int i;

	assert_non_null(out);
	for (i = 0; i < c->n; i++) {
		h.caplen = h.len = c->p[i].len;
		pcap_dump((u_char *)out, &h, c->p[i].data);
	}
	pcap_dump_close(out);
	pcap_close(dead);
}

static int
only_pcaps(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".pcap") == 0;
}

void
cap_load_shared(struct capture *c, const char *merged)
{
	const char *dir = getenv("PKTIO_PCAPS");
	struct dirent **names;
	char path[512];
	pcap_dumper_t *out;
	pcap_t *dead;
	int i, n;

	n = dir != NULL ? scandir(dir, &names, only_pcaps, alphasort) : -1;
	if (n <= 0) {
		printf("skipped: no captures in PKTIO_PCAPS=%s\n", dir ? dir : "(unset)");
		exit(TEST_SKIP);
	}
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	out = pcap_dump_open(dead, merged);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (cap_read(c, path, out) < 0)
			c->unreadable++;
		else
			c->files++;
		free(names[i]);
	}
	free(names);
	pcap_dump_close(out);
	pcap_close(dead);
}
