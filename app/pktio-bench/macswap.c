/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

/*
 * macswap: like io, but each frame goes back with its source and destination MAC
 * addresses swapped, like testpmd's macswap.c: the cost of touching every frame.
 * The forwarding loop is io.c's; bench_macswap() is the per-frame step.
 */

#include "bench.h"

static int
macswap_init(struct bench_thread *t)
{
	return bench_fwd_init(t, true);
}

const struct bench_engine bench_macswap_engine = {
	.name = "macswap",
	.help = "like io, swapping the source and destination MAC of each frame",
	.init = macswap_init,
	.start = bench_fwd_start,
	.run = bench_fwd_run,
	.fini = bench_fwd_fini,
};
