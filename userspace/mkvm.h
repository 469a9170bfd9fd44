/* SPDX-License-Identifier: GPL-2.0 */
/* mkvm's commands, one file each. */
#ifndef MKVM_H
#define MKVM_H

#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int mkvm_translate(const char *dev, const uint64_t *gvas, int n);

#endif /* MKVM_H */
