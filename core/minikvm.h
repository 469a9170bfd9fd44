/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the vendor-neutral core (core/) and the layers
 * under it (vmx/, mmu/, irq/).
 */
#ifndef MINIKVM_CORE_H
#define MINIKVM_CORE_H

long minikvm_check_extension(long cap);

#endif /* MINIKVM_CORE_H */
