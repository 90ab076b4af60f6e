/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The pktio authors
 */

#ifndef PKTIO_TEST_FUZZ_H
#define PKTIO_TEST_FUZZ_H

/* What the libFuzzer targets share: the entry point and the invariant check. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant that does not hold is a finding: say which, and abort for libFuzzer. */
#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,      \
				__LINE__, #cond);                                       \
			abort();                                                        \
		}                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* PKTIO_TEST_FUZZ_H */
