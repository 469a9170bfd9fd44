/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side unit tests: the kernel's fixed-width types for headers shared
 * with the module, and a KTAP-printing check macro.
 */
#ifndef MINIKVM_UNIT_H
#define MINIKVM_UNIT_H

#include <stdint.h>
#include <stdio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int unit_failed, unit_count;

#define UNIT_CHECK(name, cond) do {					\
	unit_count++;							\
	if (cond) {							\
		printf("ok %d %s\n", unit_count, name);			\
	} else {							\
		unit_failed++;						\
		printf("not ok %d %s (%s:%d: %s)\n", unit_count, name,	\
		       __FILE__, __LINE__, #cond);			\
	}								\
} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_count);
	return unit_failed ? 1 : 0;
}

#endif /* MINIKVM_UNIT_H */
