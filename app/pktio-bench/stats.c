/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-bench output: the TSC rate, the periodic line, the summary as text or JSON. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "json.h"

#define CALIBRATE_NS 50000000L

double bench_tsc_hz;

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* TSC ticks per second, against CLOCK_MONOTONIC over ~50 ms. */
void
bench_tsc_calibrate(void)
{
	const struct timespec nap = { .tv_nsec = CALIBRATE_NS };
	uint64_t c0, c1;
	double t0, t1;

	t0 = mono_s();
	c0 = bench_rdtsc();
	while (nanosleep(&nap, NULL) != 0 && mono_s() - t0 < CALIBRATE_NS * 1e-9)
		;
	t1 = mono_s();
	c1 = bench_rdtsc();
	bench_tsc_hz = (double)(c1 - c0) / (t1 - t0);
}

static uint64_t
ld(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* Add up the threads' counters (each read once, relaxed: the threads keep writing). */
void
bench_totals_sum(const struct bench_thread *th, unsigned int n, struct bench_totals *s)
{
	unsigned int i;

	*s = (struct bench_totals){ 0 };
	for (i = 0; i < n; i++) {
		const struct bench_counters *c = &th[i].c;

		s->rx_pkts += ld(&c->rx_pkts);
		s->rx_bytes += ld(&c->rx_bytes);
		s->tx_pkts += ld(&c->tx_pkts);
		s->tx_bytes += ld(&c->tx_bytes);
		s->unsent += ld(&c->unsent);
		s->rx_no_slot += ld(&c->rx_no_slot);
		s->tx_dropped += ld(&c->tx_dropped);
	}
}

/* One testpmd-like line: rates over the last period; dropped in it. */
void
bench_period_print(const struct bench_opts *o, double t, double dt,
		   const struct bench_totals *now, const struct bench_totals *prev)
{
	FILE *f = o->json ? stderr : stdout;
	uint64_t drop = now->rx_no_slot - prev->rx_no_slot + now->tx_dropped - prev->tx_dropped +
			now->unsent - prev->unsent;

	if (dt <= 0)
		return;
	fprintf(f, "[t=%.1fs] Rx-pps: %.0f  Tx-pps: %.0f  Rx-Gbps: %.2f  Tx-Gbps: %.2f  "
		"Rx-dropped: %" PRIu64 "\n", t,
		(now->rx_pkts - prev->rx_pkts) / dt, (now->tx_pkts - prev->tx_pkts) / dt,
		(now->rx_bytes - prev->rx_bytes) * 8 / dt / 1e9,
		(now->tx_bytes - prev->tx_bytes) * 8 / dt / 1e9, drop);
	fflush(f);
}

/* The figures of the summary, derived once for both formats. */
struct summary {
	struct bench_totals s;
	double duration, rx_mpps, tx_mpps, rx_gbps, tx_gbps, cpp, busy_cpp, cpu_s;
	uint64_t tx_dropped, lost;
	const struct bench_hist *hist;
	const struct bench_appliance *ap;
};

static void
summary_make(const struct bench_thread *th, unsigned int n, double duration, struct summary *m)
{
	uint64_t pkts;
	unsigned int i;

	bench_totals_sum(th, n, &m->s);
	m->duration = duration;
	m->rx_mpps = m->s.rx_pkts / duration / 1e6;
	m->tx_mpps = m->s.tx_pkts / duration / 1e6;
	m->rx_gbps = m->s.rx_bytes * 8 / duration / 1e9;
	m->tx_gbps = m->s.tx_bytes * 8 / duration / 1e9;
	m->tx_dropped = m->s.tx_dropped + m->s.unsent;
	m->hist = th[0].hist;
	for (m->lost = 0, i = 0; i < n; i++) {
		m->lost += th[i].lost;
		m->s.cpu_ns += th[i].cpu_ns; /* written by each thread as it ended */
	}
	m->cpu_s = m->s.cpu_ns * 1e-9;
	pkts = m->s.rx_pkts > m->s.tx_pkts ? m->s.rx_pkts : m->s.tx_pkts;
	m->cpp = pkts > 0 ? m->cpu_s * bench_tsc_hz / pkts : 0;
	for (m->busy_cpp = 0, i = 0; i < n; i++)
		m->busy_cpp += th[i].busy_tsc;
	m->busy_cpp = pkts > 0 ? m->busy_cpp / pkts : 0;
}

static double
cyc_us(uint64_t cycles)
{
	return cycles * 1e6 / bench_tsc_hz;
}

static const char *const io_names[] = { "readv", "read", "zc" };

static void
size_str(const struct bench_opts *o, char *buf, size_t len, const char *imix)
{
	if (o->size == BENCH_SIZE_IMIX)
		snprintf(buf, len, "%s", imix);
	else
		snprintf(buf, len, "%u", o->size);
}

static void
text_latency(const struct summary *m)
{
	const struct bench_hist *h = m->hist;

	printf("Latency (us): samples %" PRIu64 "  lost %" PRIu64 "  min %.2f  p50 %.2f  "
	       "p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
	       bench_hist_count(h), m->lost, cyc_us(bench_hist_min(h)),
	       cyc_us(bench_hist_percentile(h, 0.50)), cyc_us(bench_hist_percentile(h, 0.90)),
	       cyc_us(bench_hist_percentile(h, 0.99)), cyc_us(bench_hist_percentile(h, 0.999)),
	       cyc_us(bench_hist_max(h)));
}

/* With several threads: how fanout spread the work. */
static void
text_threads(const struct bench_thread *th, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && n > 1; i++)
		printf("  thread %u: RX-packets: %" PRIu64 "  TX-packets: %" PRIu64
		       "  CPU: %.3f s\n", i, ld(&th[i].c.rx_pkts), ld(&th[i].c.tx_pkts),
		       th[i].cpu_ns * 1e-9);
}

static void
text_print(const struct bench_opts *o, const struct bench_thread *th, const struct summary *m)
{
	char size[16];

	size_str(o, size, sizeof(size), "imix");
	printf("------------------------ pktio-bench summary ------------------------\n");
	printf("Mode: %s  IO: %s  Wait: %s", o->eng->name, io_names[o->io],
	       o->block ? "block" : "busy");
	if (o->busy_poll_us > 0)
		printf(" (busy-poll %u us)", o->busy_poll_us);
	if (o->immediate)
		printf("  Immediate");
	if (o->copy)
		printf("  Copy");
	printf("  Burst: %u  Size: %s  Threads: %u  Port: %s\n", o->burst, size, o->threads,
	       o->port);
	printf("Duration: %.3f s\n", m->duration);
	printf("RX-packets: %" PRIu64 "  RX-bytes: %" PRIu64 "  RX-Mpps: %.3f  RX-Gbps: %.3f  "
	       "RX-dropped: %" PRIu64 "\n", m->s.rx_pkts, m->s.rx_bytes, m->rx_mpps, m->rx_gbps,
	       m->s.rx_no_slot);
	printf("TX-packets: %" PRIu64 "  TX-bytes: %" PRIu64 "  TX-Mpps: %.3f  TX-Gbps: %.3f  "
	       "TX-dropped: %" PRIu64 " (appliance %" PRIu64 ", not sent %" PRIu64 ")\n",
	       m->s.tx_pkts, m->s.tx_bytes, m->tx_mpps, m->tx_gbps, m->tx_dropped,
	       m->s.tx_dropped, m->s.unsent);
	printf("CPU: %.3f s  Cycles/packet: %.1f  Busy cycles/packet: %.1f  (TSC %.3f GHz)\n",
	       m->cpu_s, m->cpp, m->busy_cpp, bench_tsc_hz / 1e9);
	if (m->ap->known)
		printf("pktiod worker: %.1f cycles per frame received, %.1f per frame sent\n",
		       m->ap->rx_cpp, m->ap->tx_cpp);
	text_threads(th, o->threads);
	if (m->hist != NULL)
		text_latency(m);
	printf("---------------------------------------------------------------------\n");
}

static void
json_latency(struct json_writer *w, const struct summary *m)
{
	const struct bench_hist *h = m->hist;

	json_key(w, "latency_us");
	json_object_begin(w);
	json_kv_double(w, "p50", cyc_us(bench_hist_percentile(h, 0.50)), 3);
	json_kv_double(w, "p90", cyc_us(bench_hist_percentile(h, 0.90)), 3);
	json_kv_double(w, "p99", cyc_us(bench_hist_percentile(h, 0.99)), 3);
	json_kv_double(w, "p999", cyc_us(bench_hist_percentile(h, 0.999)), 3);
	json_kv_double(w, "max", cyc_us(bench_hist_max(h)), 3);
	json_kv_double(w, "min", cyc_us(bench_hist_min(h)), 3);
	json_kv_u64(w, "samples", bench_hist_count(h));
	json_kv_u64(w, "lost", m->lost);
	json_object_end(w);
}

/* One JSON object on one line (scripts/bench keeps them as JSON Lines). @return 0 or -errno. */
static int
json_print(const struct bench_opts *o, const struct summary *m)
{
	struct json_writer w;

	json_init(&w, stdout, 0);
	json_object_begin(&w);
	json_kv_str(&w, "mode", o->eng->name);
	json_kv_str(&w, "io", io_names[o->io]);
	json_kv_str(&w, "wait", o->block ? "block" : "busy");
	json_kv_str(&w, "port", o->port);
	json_kv_u64(&w, "busy_poll_us", o->busy_poll_us);
	json_kv_bool(&w, "immediate", o->immediate);
	json_kv_bool(&w, "copy", o->copy);
	json_kv_u64(&w, "burst", o->burst);
	if (o->size == BENCH_SIZE_IMIX)
		json_kv_str(&w, "size", "imix");
	else
		json_kv_u64(&w, "size", o->size);
	json_kv_u64(&w, "threads", o->threads);
	json_kv_double(&w, "duration_s", m->duration, 6);
	json_kv_u64(&w, "rx_packets", m->s.rx_pkts);
	json_kv_u64(&w, "tx_packets", m->s.tx_pkts);
	json_kv_u64(&w, "rx_bytes", m->s.rx_bytes);
	json_kv_u64(&w, "tx_bytes", m->s.tx_bytes);
	json_kv_double(&w, "rx_mpps", m->rx_mpps, 6);
	json_kv_double(&w, "tx_mpps", m->tx_mpps, 6);
	json_kv_double(&w, "rx_gbps", m->rx_gbps, 6);
	json_kv_double(&w, "tx_gbps", m->tx_gbps, 6);
	json_kv_u64(&w, "rx_dropped", m->s.rx_no_slot);
	json_kv_u64(&w, "tx_dropped", m->tx_dropped);
	json_kv_u64(&w, "tx_unsent", m->s.unsent);
	json_kv_double(&w, "cpu_s", m->cpu_s, 6);
	json_kv_double(&w, "tsc_hz", bench_tsc_hz, 0);
	json_kv_double(&w, "cycles_per_packet", m->cpp, 2);
	json_kv_double(&w, "busy_cycles_per_packet", m->busy_cpp, 2);
	if (m->ap->known) {
		json_kv_double(&w, "pktiod_rx_cycles_per_packet", m->ap->rx_cpp, 2);
		json_kv_double(&w, "pktiod_tx_cycles_per_packet", m->ap->tx_cpp, 2);
	}
	if (m->hist != NULL)
		json_latency(&w, m);
	json_object_end(&w);
	return json_finish(&w);
}

void
bench_summary_print(const struct bench_opts *o, const struct bench_thread *th,
		    double duration, const struct bench_appliance *ap)
{
	struct summary m;
	int rc;

	summary_make(th, o->threads, duration > 0 ? duration : 1e-9, &m);
	m.ap = ap;
	if (!o->json)
		text_print(o, th, &m);
	else if ((rc = json_print(o, &m)) < 0)
		fprintf(stderr, PROG ": stdout: %s\n", strerror(-rc));
	fflush(stdout);
}
