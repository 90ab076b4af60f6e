/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * Classic BPF for SO_ATTACH_FILTER, run in the shim with libpcap's interpreter
 * (bpf_filter(), whose return value is the snap length, as the kernel's). libpcap is opened
 * on the first filter only: most programs under pktio-run never attach one, and libpcap
 * brings libdbus, libsystemd and libgcrypt with it. Tcpdump and tshark have it loaded
 * already. The kernel's ancillary loads (SKF_AD_*, negative offsets) are not emulated: the
 * socket refuses SO_BPF_EXTENSIONS, so libpcap compiles VLAN tests inline.
 */

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "preload_private.h"

/* libpcap's struct bpf_insn has the layout of struct sock_filter */
typedef int (*validate_fn)(const struct sock_filter *insns, int len);
typedef unsigned int (*filter_fn)(const struct sock_filter *insns, const unsigned char *pkt,
				  unsigned int wirelen, unsigned int buflen);

static pthread_once_t pcap_once = PTHREAD_ONCE_INIT;
static validate_fn pcap_validate;
static filter_fn pcap_filter;

static void
pcap_load(void)
{
	static const char *const names[] = { "libpcap.so.0.8", "libpcap.so.1", "libpcap.so" };
	void *h = NULL;
	unsigned int i;

	PRELOAD_ENTER();
	for (i = 0; h == NULL && i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (h != NULL) {
		pcap_validate = (validate_fn)dlsym(h, "bpf_validate");
		pcap_filter = (filter_fn)dlsym(h, "bpf_filter");
	}
	PRELOAD_LEAVE();
}

int
preload_bpf_check(const struct sock_filter *insns, unsigned int len)
{
	pthread_once(&pcap_once, pcap_load);
	if (pcap_filter == NULL)
		return -ENOSYS;
	if (pcap_validate != NULL && !pcap_validate(insns, (int)len))
		return -EINVAL;
	return 0;
}

uint32_t
preload_bpf_run(const struct sock_filter *insns, const uint8_t *pkt, uint32_t wirelen,
		uint32_t buflen)
{
	/* a filter was only ever attached once preload_bpf_check() found the interpreter */
	return pcap_filter(insns, pkt, wirelen, buflen);
}
