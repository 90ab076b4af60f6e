/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/* pktio-bench output: the TSC rate, the periodic line, the summary as text or JSON. */

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "bench.h"

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
	text_threads(th, o->threads);
	if (m->hist != NULL)
		text_latency(m);
	printf("---------------------------------------------------------------------\n");
}

static void
json_latency(const struct summary *m)
{
	const struct bench_hist *h = m->hist;

	printf(",\"latency_us\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
	       "\"max\":%.3f,\"min\":%.3f,\"samples\":%" PRIu64 ",\"lost\":%" PRIu64 "}",
	       cyc_us(bench_hist_percentile(h, 0.50)), cyc_us(bench_hist_percentile(h, 0.90)),
	       cyc_us(bench_hist_percentile(h, 0.99)), cyc_us(bench_hist_percentile(h, 0.999)),
	       cyc_us(bench_hist_max(h)), cyc_us(bench_hist_min(h)), bench_hist_count(h),
	       m->lost);
}

/* One JSON object on one line. The port name is printed as given: no quoting needed for
 * the names pktiod accepts, but escape '"' and '\\' anyway. */
static void
json_str(const char *key, const char *s)
{
	printf("\"%s\":\"", key);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	printf("\",");
}

static void
json_print(const struct bench_opts *o, const struct summary *m)
{
	char size[16];

	size_str(o, size, sizeof(size), "\"imix\"");
	printf("{\"mode\":\"%s\",\"io\":\"%s\",\"wait\":\"%s\",", o->eng->name, io_names[o->io],
	       o->block ? "block" : "busy");
	json_str("port", o->port);
	printf("\"busy_poll_us\":%u,\"immediate\":%s,\"burst\":%u,\"size\":%s,\"threads\":%u,"
	       "\"duration_s\":%.6f,", o->busy_poll_us, o->immediate ? "true" : "false", o->burst,
	       size, o->threads, m->duration);
	printf("\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	       ",\"tx_bytes\":%" PRIu64 ",", m->s.rx_pkts, m->s.tx_pkts, m->s.rx_bytes,
	       m->s.tx_bytes);
	printf("\"rx_mpps\":%.6f,\"tx_mpps\":%.6f,\"rx_gbps\":%.6f,\"tx_gbps\":%.6f,",
	       m->rx_mpps, m->tx_mpps, m->rx_gbps, m->tx_gbps);
	printf("\"rx_dropped\":%" PRIu64 ",\"tx_dropped\":%" PRIu64 ",\"tx_unsent\":%" PRIu64
	       ",\"cpu_s\":%.6f,\"tsc_hz\":%.0f,\"cycles_per_packet\":%.2f"
	       ",\"busy_cycles_per_packet\":%.2f", m->s.rx_no_slot, m->tx_dropped, m->s.unsent,
	       m->cpu_s, bench_tsc_hz, m->cpp, m->busy_cpp);
	if (m->hist != NULL)
		json_latency(m);
	printf("}\n");
}

void
bench_summary_print(const struct bench_opts *o, const struct bench_thread *th,
		    double duration)
{
	struct summary m;

	summary_make(th, o->threads, duration > 0 ? duration : 1e-9, &m);
	if (o->json)
		json_print(o, &m);
	else
		text_print(o, th, &m);
	fflush(stdout);
}
