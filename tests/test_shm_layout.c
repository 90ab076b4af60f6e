/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * The shared-memory ABI: region geometry (pktio_shm_layout), the client's header check
 * (pktio_shm_check), and the appliance's guarded ring access (gring_*) against rte_ring's
 * own SPSC inlines on the client side. Rings live on plain heap memory: no EAL.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "pktio_shm.h"
#include "pktiod.h"

#define RING_CAP    1024u
#define MAX_FRAME   1522u
#define PAGE        4096u
#define HUGE_PAGE   (2u << 20)
#define GUARD       256u   /* canary bytes on each side of a ring */
#define CANARY      0xa5
#define BURST_MAX   64u

/* A ring on heap memory with GUARD canary bytes before and after its ring_bytes. */
struct test_ring {
	uint8_t *base;
	struct rte_ring *r;
	uint32_t bytes;
};

static void
ring_alloc(struct test_ring *t, uint32_t cap)
{
	struct pktio_shm_layout l;
	size_t len;

	assert_int_equal(pktio_shm_layout(&l, cap, MAX_FRAME, false, PAGE), 0);
	t->bytes = l.ring_bytes;
	len = RTE_ALIGN(GUARD + t->bytes + GUARD, RTE_CACHE_LINE_SIZE);
	t->base = aligned_alloc(RTE_CACHE_LINE_SIZE, len);
	assert_non_null(t->base);
	memset(t->base, CANARY, len);
	t->r = (struct rte_ring *)(t->base + GUARD);
}

static void
ring_free(struct test_ring *t)
{
	free(t->base);
	t->base = NULL;
}

/* Nothing outside [r, r + ring_bytes) was written. */
static void
canary_check(const struct test_ring *t)
{
	const uint8_t *after = t->base + GUARD + t->bytes;
	unsigned int i;

	for (i = 0; i < GUARD; i++) {
		if (t->base[i] != CANARY)
			fail_msg("byte %u before the ring overwritten: 0x%02x", GUARD - i,
				 t->base[i]);
		if (after[i] != CANARY)
			fail_msg("byte %u after the ring overwritten: 0x%02x", i, after[i]);
	}
}

static void
desc_fill(struct pktio_desc *d, unsigned int n, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		d[i] = (struct pktio_desc){
			.slot = seq + i, .len = (uint16_t)(seq + i) ^ 0x5a5a, .flags = 0,
		};
}

static void
desc_check(const struct pktio_desc *d, unsigned int n, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (d[i].slot != seq + i || d[i].len != ((uint16_t)(seq + i) ^ 0x5a5a))
			fail_msg("entry %u: slot %u len %u, expected slot %u", i, d[i].slot,
				 d[i].len, seq + i);
	}
}

/* What region_init() in app/pktiod/attach.c writes. */
static void
hdr_fill(struct pktio_shm_hdr *h, const struct pktio_shm_layout *l)
{
	memset(h, 0, sizeof(*h));
	h->magic = PKTIO_SHM_MAGIC;
	h->version = PKTIO_SHM_VERSION;
	h->ring_size = l->ring_size;
	h->region_size = l->region_size;
	h->nb_rx_slots = h->nb_tx_slots = l->ring_size;
	h->slot_size = l->slot_size;
	h->max_frame = l->max_frame;
	h->rx_off = l->rx_off;
	h->rx_free_off = l->rx_free_off;
	h->tx_off = l->tx_off;
	h->tx_comp_off = l->tx_comp_off;
	h->rx_meta_off = l->rx_meta_off;
	h->slots_off = l->slots_off;
	h->rx_slot_off = l->slots_off;
	h->rx_slot_size = l->slot_size;
	h->tx_slot_off = l->tx_slot_off;
	h->state = PKTIO_SHM_ALIVE;
}

/* Checks every layout must pass. */
static void
layout_check(const struct pktio_shm_layout *l, uint32_t ring_size, uint32_t max_frame,
	     uint64_t page)
{
	ssize_t need = rte_ring_get_memsize_elem(sizeof(struct pktio_desc),
						 rte_align32pow2(ring_size + 1));
	uint64_t slots_end = l->slots_off + 2ull * ring_size * l->slot_size;

	assert_int_equal(l->ring_size, ring_size);
	assert_int_equal(l->max_frame, max_frame);
	assert_int_equal(l->slot_size % PKTIO_SHM_CACHE_LINE, 0);
	assert_true(l->slot_size >= PKTIO_SLOT_HEADROOM + max_frame);
	assert_true(l->slot_size < PKTIO_SLOT_HEADROOM + max_frame + PKTIO_SHM_CACHE_LINE);
	assert_true(need > 0);
	assert_true(l->ring_bytes >= (uint64_t)need);
	assert_true(l->rx_off >= sizeof(struct pktio_shm_hdr));
	assert_true(l->rx_free_off >= l->rx_off + l->ring_bytes);
	assert_true(l->tx_off >= l->rx_free_off + l->ring_bytes);
	assert_true(l->tx_ring_bytes >= (uint64_t)rte_ring_get_memsize_elem(
		sizeof(struct pktio_desc), rte_align32pow2(PKTIO_SHM_TX_RING(ring_size) + 1)));
	assert_true(l->tx_comp_off >= l->tx_off + l->tx_ring_bytes);
	assert_true(l->rx_meta_off >= l->tx_comp_off + l->ring_bytes);
	/* twice the ring's index space: see pktio_shm.h */
	assert_int_equal(pktio_shm_rx_meta_nb(ring_size), 2 * rte_align32pow2(ring_size + 1));
	assert_true(l->slots_off >= l->rx_meta_off + (uint64_t)pktio_shm_rx_meta_nb(ring_size) *
		    sizeof(struct pktio_slot_meta));
	assert_int_equal(l->rx_off % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(l->rx_free_off % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(l->tx_off % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(l->tx_comp_off % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(l->rx_meta_off % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(l->slots_off % 4096, 0);
	assert_int_equal(l->region_size % page, 0);
	assert_true(l->region_size >= slots_end);
	assert_true(l->region_size < slots_end + page);
}

static void
test_shm_layout_geometry(void **state)
{
	struct pktio_shm_layout l;

	(void)state;
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, PAGE), 0);
	layout_check(&l, RING_CAP, MAX_FRAME, PAGE);
	assert_int_equal(l.slot_size, 1600);
	assert_int_equal(l.rx_off, sizeof(struct pktio_shm_hdr));

	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, HUGE_PAGE), 0);
	layout_check(&l, RING_CAP, MAX_FRAME, HUGE_PAGE);
}

static void
test_shm_layout_invariants_across_sizes(void **state)
{
	static const uint32_t rings[] = { 2, 3, 32, 1000, 1023, 1024, 1025, 32768, 65536 };
	static const uint32_t frames[] = { 64, 65, 1500, 1522, 9000, 9216 };
	static const uint64_t pages[] = { PAGE, 65536, HUGE_PAGE };
	struct pktio_shm_layout l;
	unsigned int i, j, k;

	(void)state;
	for (i = 0; i < RTE_DIM(rings); i++)
		for (j = 0; j < RTE_DIM(frames); j++)
			for (k = 0; k < RTE_DIM(pages); k++) {
				assert_int_equal(pktio_shm_layout(&l, rings[i], frames[j],
								  false, pages[k]), 0);
				layout_check(&l, rings[i], frames[j], pages[k]);
			}
}

static void
test_shm_layout_rejects_bad_args(void **state)
{
	struct pktio_shm_layout l;

	(void)state;
	assert_int_equal(pktio_shm_layout(&l, 0, MAX_FRAME, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, 1, MAX_FRAME, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, 65537, MAX_FRAME, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, 70000, MAX_FRAME, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, UINT32_MAX, MAX_FRAME, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, 0, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, 63, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, 9217, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, 10000, false, PAGE), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, 0), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, 3000), -EINVAL);
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, 4097), -EINVAL);
	/* the bounds themselves are valid */
	assert_int_equal(pktio_shm_layout(&l, 2, 64, false, PAGE), 0);
	assert_int_equal(pktio_shm_layout(&l, 65536, 9216, false, PAGE), 0);
}

/* A header as pktiod writes it on region_size bytes of heap memory. */
static struct pktio_shm_hdr *
region_alloc(struct pktio_shm_layout *l)
{
	struct pktio_shm_hdr *h;

	assert_int_equal(pktio_shm_layout(l, RING_CAP, MAX_FRAME, false, PAGE), 0);
	h = aligned_alloc(PAGE, l->region_size);
	assert_non_null(h);
	hdr_fill(h, l);
	return h;
}

static void
test_shm_layout_check_accepts_pktiod_header(void **state)
{
	struct pktio_shm_layout l;
	struct pktio_shm_hdr *h = region_alloc(&l);

	(void)state;
	assert_int_equal(pktio_shm_check(h, l.region_size, 0), 0);
	/* mapping more than the header says is fine */
	assert_int_equal(pktio_shm_check(h, l.region_size + PAGE, 0), 0);
	/* so is a region rounded up to a huge page */
	assert_int_equal(pktio_shm_layout(&l, RING_CAP, MAX_FRAME, false, HUGE_PAGE), 0);
	h->region_size = l.region_size;
	assert_int_equal(pktio_shm_check(h, l.region_size, 0), 0);
	free(h);
}

enum hdr_fault {
	F_MAGIC, F_VERSION, F_REGION_SIZE, F_MAPPED_SHORT, F_SLOT_SIZE_UP, F_SLOT_SIZE_DOWN,
	F_RX_OFF, F_RX_FREE_OFF, F_TX_OFF, F_TX_COMP_OFF, F_RX_META_OFF, F_SLOTS_OFF, F_NB_RX,
	F_NB_TX,
	F_RING_SIZE_BAD, F_MAX_FRAME_BAD, F_SMALL_REGION_LIE, F_MAX,
};

static const char *const fault_name[F_MAX] = {
	"wrong magic", "wrong version", "region_size > mapped", "mapped too short",
	"slot_size too big", "slot_size too small", "rx_off moved", "rx_free_off moved",
	"tx_off moved", "tx_comp_off moved", "rx_meta_off moved", "slots_off moved", "nb_rx_slots", "nb_tx_slots",
	"ring_size 1", "max_frame 20000", "region_size and mapped below the layout",
};

static void
test_shm_layout_check_rejects_bad_header(void **state)
{
	struct pktio_shm_layout l;
	struct pktio_shm_hdr *h = region_alloc(&l);
	uint64_t mapped;
	int f, rc;

	(void)state;
	for (f = 0; f < F_MAX; f++) {
		hdr_fill(h, &l);
		mapped = l.region_size;
		switch (f) {
		case F_MAGIC: h->magic ^= 1; break;
		case F_VERSION: h->version = PKTIO_SHM_VERSION + 1; break;
		case F_REGION_SIZE: h->region_size = mapped + 1; break;
		case F_MAPPED_SHORT: mapped -= PAGE; break;
		case F_SLOT_SIZE_UP: h->slot_size += PKTIO_SHM_CACHE_LINE; break;
		case F_SLOT_SIZE_DOWN: h->slot_size = 64; break;
		case F_RX_OFF: h->rx_off += PKTIO_SHM_CACHE_LINE; break;
		case F_RX_FREE_OFF: h->rx_free_off -= PKTIO_SHM_CACHE_LINE; break;
		case F_TX_OFF: h->tx_off = h->rx_off; break;
		case F_TX_COMP_OFF: h->tx_comp_off = (uint32_t)l.region_size; break;
		case F_RX_META_OFF: h->rx_meta_off += PKTIO_SHM_CACHE_LINE; break;
		case F_SLOTS_OFF: h->slots_off = 0; break;
		case F_NB_RX: h->nb_rx_slots++; break;
		case F_NB_TX: h->nb_tx_slots = UINT32_MAX; break;
		case F_RING_SIZE_BAD: h->ring_size = 1; break;
		case F_MAX_FRAME_BAD: h->max_frame = 20000; break;
		case F_SMALL_REGION_LIE: h->region_size = PAGE; mapped = PAGE; break;
		}
		rc = pktio_shm_check(h, mapped, 0);
		if (rc != -EPROTO)
			fail_msg("%s: pktio_shm_check returned %d, expected -EPROTO",
				 fault_name[f], rc);
	}
	free(h);
}

/* Ring init: gring's private geometry agrees with what rte_ring_init() wrote. */
static void
ring_setup(struct test_ring *t, struct gring *g, uint32_t cap)
{
	ring_alloc(t, cap);
	assert_int_equal(gring_init(g, t->r, "test", cap), 0);
	assert_ptr_equal(g->r, t->r);
	assert_int_equal(g->cap, cap);
	assert_int_equal(g->head, 0);
	assert_int_equal(rte_ring_get_capacity(t->r), cap);
	assert_int_equal(rte_ring_get_size(t->r), g->mask + 1);
	assert_true((uint8_t *)&g->ring[g->mask + 1] <= (uint8_t *)t->r + t->bytes);
	canary_check(t);
}

/* Move every index of a fresh ring (and our view of it) to @p start. */
static void
ring_start_at(struct test_ring *t, struct gring *g, uint32_t start)
{
	t->r->prod.head = t->r->prod.tail = start;
	t->r->cons.head = t->r->cons.tail = start;
	g->head = start;
}

/* pktiod produces with gring, the client consumes with rte_ring's SC inline. */
static void
appliance_to_client(uint32_t cap, uint32_t start)
{
	struct pktio_desc in[BURST_MAX], out[BURST_MAX];
	uint32_t sent = 0, got = 0, inflight, want, n;
	unsigned int avail, i;
	struct test_ring t;
	struct gring g;
	int rc;

	ring_setup(&t, &g, cap);
	ring_start_at(&t, &g, start);
	for (i = 0; got < 5 * cap + 3; i++) {
		want = 1 + (i * 37) % BURST_MAX;
		inflight = sent - got;
		desc_fill(in, want, sent);
		rc = gring_enqueue(&g, in, want);
		assert_int_equal(rc, RTE_MIN(want, cap - inflight));
		sent += rc;
		assert_int_equal(rte_ring_count(t.r), sent - got);

		want = 1 + (i * 23) % BURST_MAX;
		inflight = sent - got;
		n = rte_ring_sc_dequeue_burst_elem(t.r, out, sizeof(out[0]), want, &avail);
		assert_int_equal(n, RTE_MIN(want, inflight));
		assert_int_equal(avail, inflight - n);
		desc_check(out, n, got);
		got += n;
	}
	assert_int_equal(g.head, start + sent);
	assert_int_equal(t.r->prod.tail, start + sent);
	canary_check(&t);
	ring_free(&t);
}

/* The client produces with rte_ring's SP inline, pktiod consumes with gring. */
static void
client_to_appliance(uint32_t cap, uint32_t start)
{
	struct pktio_desc in[BURST_MAX], out[BURST_MAX];
	uint32_t sent = 0, got = 0, inflight, want, n;
	unsigned int space, i;
	struct test_ring t;
	struct gring g;
	int rc;

	ring_setup(&t, &g, cap);
	ring_start_at(&t, &g, start);
	for (i = 0; got < 5 * cap + 3; i++) {
		want = 1 + (i * 41) % BURST_MAX;
		inflight = sent - got;
		desc_fill(in, want, sent);
		n = rte_ring_sp_enqueue_burst_elem(t.r, in, sizeof(in[0]), want, &space);
		assert_int_equal(n, RTE_MIN(want, cap - inflight));
		assert_int_equal(space, cap - inflight - n);
		sent += n;

		want = 1 + (i * 29) % BURST_MAX;
		inflight = sent - got;
		rc = gring_dequeue(&g, out, want);
		assert_int_equal(rc, RTE_MIN(want, inflight));
		desc_check(out, rc, got);
		got += rc;
		assert_int_equal(rte_ring_free_count(t.r), cap - (sent - got));
	}
	assert_int_equal(g.head, start + got);
	assert_int_equal(t.r->cons.tail, start + got);
	canary_check(&t);
	ring_free(&t);
}

static void
test_shm_layout_ring_appliance_to_client(void **state)
{
	(void)state;
	appliance_to_client(RING_CAP, 0);
	appliance_to_client(32, 0);
	appliance_to_client(100, 0);  /* not a power of two: mask > cap */
}

static void
test_shm_layout_ring_client_to_appliance(void **state)
{
	(void)state;
	client_to_appliance(RING_CAP, 0);
	client_to_appliance(32, 0);
	client_to_appliance(100, 0);
}

/* The 32-bit indices wrap past UINT32_MAX in the middle of the run. */
static void
test_shm_layout_ring_index_wraps_32bit(void **state)
{
	(void)state;
	appliance_to_client(RING_CAP, UINT32_MAX - 1500);
	client_to_appliance(RING_CAP, UINT32_MAX - 1500);
	appliance_to_client(100, UINT32_MAX - 7);
	client_to_appliance(100, UINT32_MAX - 7);
}

static void
test_shm_layout_ring_full(void **state)
{
	struct pktio_desc *in = calloc(RING_CAP + 10, sizeof(*in));
	struct pktio_desc *out = calloc(RING_CAP + 10, sizeof(*out));
	struct test_ring t;
	struct gring g;
	unsigned int n, avail;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	ring_setup(&t, &g, RING_CAP);

	/* appliance fills */
	desc_fill(in, RING_CAP + 10, 0);
	assert_int_equal(gring_enqueue(&g, in, RING_CAP + 10), RING_CAP);
	assert_int_equal(gring_enqueue(&g, in, 1), 0);
	assert_true(rte_ring_full(t.r));
	n = rte_ring_sc_dequeue_burst_elem(t.r, out, sizeof(*out), RING_CAP + 10, &avail);
	assert_int_equal(n, RING_CAP);
	assert_int_equal(avail, 0);
	desc_check(out, n, 0);
	assert_int_equal(rte_ring_sc_dequeue_burst_elem(t.r, out, sizeof(*out), 1, NULL), 0);

	/* client fills */
	desc_fill(in, RING_CAP + 10, 5000);
	n = rte_ring_sp_enqueue_burst_elem(t.r, in, sizeof(*in), RING_CAP + 10, NULL);
	assert_int_equal(n, RING_CAP);
	/* a second view consumes what the client produced */
	g.head = t.r->cons.tail;
	assert_int_equal(gring_dequeue(&g, out, RING_CAP + 10), RING_CAP);
	desc_check(out, RING_CAP, 5000);
	assert_int_equal(gring_dequeue(&g, out, 1), 0);
	assert_true(rte_ring_empty(t.r));

	canary_check(&t);
	ring_free(&t);
	free(in);
	free(out);
}

/* A consumer index ahead of the producer, or more than cap behind: -1, nothing written. */
static void
test_shm_layout_ring_rejects_bad_consumer_index(void **state)
{
	struct pktio_desc in[16];
	struct test_ring t;
	struct gring g;
	uint32_t head;

	(void)state;
	ring_setup(&t, &g, RING_CAP);
	desc_fill(in, 16, 0);
	assert_int_equal(gring_enqueue(&g, in, 10), 10);
	head = g.head;

	t.r->cons.tail = head + 5;
	assert_int_equal(gring_enqueue(&g, in, 16), -1);
	assert_int_equal(g.head, head);
	assert_int_equal(t.r->prod.tail, head);

	t.r->cons.tail = head - RING_CAP - 1;
	assert_int_equal(gring_enqueue(&g, in, 16), -1);
	assert_int_equal(g.head, head);

	t.r->cons.tail = head + UINT32_MAX / 2;
	assert_int_equal(gring_enqueue(&g, in, 16), -1);
	assert_int_equal(g.head, head);

	/* exactly full is not hostile: nothing fits */
	t.r->cons.tail = head - RING_CAP;
	assert_int_equal(gring_enqueue(&g, in, 16), 0);
	/* one free entry */
	t.r->cons.tail = head - RING_CAP + 1;
	assert_int_equal(gring_enqueue(&g, in, 16), 1);
	assert_int_equal(g.head, head + 1);
	canary_check(&t);
	ring_free(&t);
}

/* A producer index more than cap ahead of us, or behind us: -1, nothing consumed. */
static void
test_shm_layout_ring_rejects_bad_producer_index(void **state)
{
	struct pktio_desc out[16];
	struct test_ring t;
	struct gring g;
	uint32_t head;

	(void)state;
	ring_setup(&t, &g, RING_CAP);
	ring_start_at(&t, &g, 100);
	head = g.head;

	t.r->prod.tail = head + RING_CAP + 1;
	assert_int_equal(gring_dequeue(&g, out, 16), -1);
	assert_int_equal(g.head, head);
	assert_int_equal(t.r->cons.tail, head);

	t.r->prod.tail = head - 1;
	assert_int_equal(gring_dequeue(&g, out, 16), -1);
	assert_int_equal(g.head, head);

	/* a full ring of garbage is readable, and only that */
	t.r->prod.tail = head + RING_CAP;
	assert_int_equal(gring_dequeue(&g, out, 16), 16);
	assert_int_equal(g.head, head + 16);
	assert_int_equal(t.r->cons.tail, head + 16);
	canary_check(&t);
	ring_free(&t);
}

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A peer index: near ours (in and out of range), or anything at all. */
static uint32_t
hostile_index(uint32_t *seed, uint32_t head, uint32_t cap)
{
	uint32_t r = xorshift(seed);

	switch (r % 4) {
	case 0:
		return xorshift(seed);
	case 1:
		return head + (xorshift(seed) % (4 * cap + 1)) - 2 * cap;
	case 2:
		return head - cap + (xorshift(seed) % 3) - 1;
	default:
		return head + cap + (xorshift(seed) % 3) - 1;
	}
}

/*
 * The client rewrites the ring's mask, size and capacity and its own index at will:
 * gring stays inside the ring and returns exactly what its private geometry allows.
 */
static void
test_shm_layout_ring_hostile_geometry(void **state)
{
	static const uint32_t caps[] = { RING_CAP, 100 };
	struct pktio_desc in[BURST_MAX], out[BURST_MAX + 8];
	uint32_t seed = 0x12345678, cap, peer, want, used, i;
	struct gring prod, cons;
	struct test_ring t;
	unsigned int c, k;
	int rc;

	(void)state;
	for (c = 0; c < RTE_DIM(caps); c++) {
		cap = caps[c];
		ring_setup(&t, &prod, cap);
		cons = prod;  /* a second view: the consumer side of the same ring */
		t.r->mask = UINT32_MAX;
		t.r->size = UINT32_MAX;
		t.r->capacity = UINT32_MAX;

		/* honest indices, hostile geometry: data still flows in order */
		for (i = 0; i < 4 * cap; i += rc) {
			unsigned int room = RTE_MIN(BURST_MAX, cap - (prod.head - cons.head));

			desc_fill(in, BURST_MAX, prod.head);
			/* room first: the enqueue moves prod.head */
			assert_int_equal(gring_enqueue(&prod, in, BURST_MAX), room);
			rc = gring_dequeue(&cons, out, BURST_MAX / 2 + 1);
			assert_int_equal(rc, BURST_MAX / 2 + 1);
			desc_check(out, rc, cons.head - rc);
		}
		canary_check(&t);

		/* hostile indices too */
		for (i = 0; i < 20000; i++) {
			want = 1 + xorshift(&seed) % BURST_MAX;
			memset(out, CANARY, sizeof(out));
			if (i & 1) {
				peer = hostile_index(&seed, prod.head, cap);
				t.r->cons.tail = peer;
				used = prod.head - peer;
				desc_fill(in, want, i);
				rc = gring_enqueue(&prod, in, want);
				if (used > cap)
					assert_int_equal(rc, -1);
				else
					assert_int_equal(rc, RTE_MIN(want, cap - used));
			} else {
				peer = hostile_index(&seed, cons.head, cap);
				t.r->prod.tail = peer;
				used = peer - cons.head;
				rc = gring_dequeue(&cons, out, want);
				if (used > cap)
					assert_int_equal(rc, -1);
				else
					assert_int_equal(rc, RTE_MIN(want, used));
				for (k = rc < 0 ? 0 : rc; k < RTE_DIM(out); k++)
					if (((uint8_t *)&out[k])[0] != CANARY)
						fail_msg("iteration %u: wrote entry %u of %d", i,
							 k, rc);
			}
			canary_check(&t);
		}
		ring_free(&t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shm_layout_geometry),
		cmocka_unit_test(test_shm_layout_invariants_across_sizes),
		cmocka_unit_test(test_shm_layout_rejects_bad_args),
		cmocka_unit_test(test_shm_layout_check_accepts_pktiod_header),
		cmocka_unit_test(test_shm_layout_check_rejects_bad_header),
		cmocka_unit_test(test_shm_layout_ring_appliance_to_client),
		cmocka_unit_test(test_shm_layout_ring_client_to_appliance),
		cmocka_unit_test(test_shm_layout_ring_index_wraps_32bit),
		cmocka_unit_test(test_shm_layout_ring_full),
		cmocka_unit_test(test_shm_layout_ring_rejects_bad_consumer_index),
		cmocka_unit_test(test_shm_layout_ring_rejects_bad_producer_index),
		cmocka_unit_test(test_shm_layout_ring_hostile_geometry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
