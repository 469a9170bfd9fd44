/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CPU's VMX capability MSRs allow, read once at module load.
 * Environment: filled by mvmx_probe() in process context at init, then
 * read-only for the life of the module.
 */
#ifndef MINIKVM_VMX_CAPABILITY_H
#define MINIKVM_VMX_CAPABILITY_H

#include <linux/types.h>
#include "uapi/minikvm.h"

/* The probe's result; the same layout userspace sees. */
extern struct minikvm_vmx_info mvmx_info;

int mvmx_probe(void);

static inline bool vmx_has(u32 feature)
{
	return (mvmx_info.features & feature) == feature;
}

#endif /* MINIKVM_VMX_CAPABILITY_H */
