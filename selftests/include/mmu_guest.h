/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An "accessor" guest for the MMU tests: a long-mode loop that does one
 * memory operation per host request, so a test drives the guest access by
 * access from C and sees exactly which access made which exit.
 *
 * Each vCPU has a mailbox at MMU_MBOX_GPA(id). The guest OUTs to
 * PORT_MMU_READY when it waits for a request; the host fills the mailbox
 * and runs the vCPU again. Between two requests the vCPU is always stopped
 * at that OUT.
 *
 * The long-mode identity map of vcpu_setup_long() is extended to 2 GiB so
 * tests can put slots above 1 GiB; MMU_MMIO_GPA is mapped by the guest's
 * tables but by no memory slot.
 */
#ifndef MINIKVM_MMU_GUEST_H
#define MINIKVM_MMU_GUEST_H

#include "kvm_util.h"

#define PORT_MMU_READY	0x11
#define MMU_MBOX_GPA(id)	(DATA_GPA + 0x100 * (id))
#define MMU_MMIO_GPA	0x10000000ull	/* 256 MiB: no slot there */
#define MMU_MAPPED_TOP	(2ull << 30)	/* guest page tables cover 0 .. 2 GiB */

enum mmu_op {
	MMU_READ,	/* result = 8 bytes at gpa */
	MMU_WRITE,	/* 8 bytes at gpa = val */
	MMU_HLT,
	MMU_SPIN,	/* CPUID and count until the host sets stop */
	MMU_TOUCH,	/* one 8-byte write per 4 KiB page: gpa ^ val */
	MMU_VERIFY,	/* result = pages whose first 8 bytes != gpa ^ val */
};

struct mmu_mbox {
	uint64_t op;
	uint64_t gpa;
	uint64_t len;		/* MMU_TOUCH, MMU_VERIFY: bytes */
	uint64_t val;
	uint64_t result;
	uint64_t count;		/* MMU_SPIN: rounds so far (__atomic_load_n) */
	uint64_t stop;		/* MMU_SPIN: the host's stop flag */
};

/* Long mode, code loaded, mailbox empty; run until the first READY. */
struct kvm_vcpu *mmu_guest_create(struct kvm_vm *vm, int id);
struct mmu_mbox *mmu_guest_mbox(struct kvm_vcpu *vcpu);

/*
 * Post one request and run once. Returns the exit that ended the run:
 * KVM_EXIT_IO on PORT_MMU_READY means the request is done (result in the
 * mailbox); anything else (KVM_EXIT_MMIO, KVM_EXIT_HLT...) is left in
 * vcpu->run for the test to look at. -errno if KVM_RUN failed.
 */
int mmu_guest_op(struct kvm_vcpu *vcpu, enum mmu_op op, uint64_t gpa,
		 uint64_t len, uint64_t val);
/* Run again after an exit the test handled; same return as above. */
int mmu_guest_resume(struct kvm_vcpu *vcpu);
/*
 * Abandon the request in flight (after KVM_RUN failed, say): back to the
 * loop head with a fresh stack, run until READY.
 */
void mmu_guest_restart(struct kvm_vcpu *vcpu);
/* True when the last run ended with the request done. */
bool mmu_guest_ready(struct kvm_vcpu *vcpu);

/* Anonymous memory aligned to @align, not backed by THP unless asked. */
void *mmu_alloc(uint64_t size, uint64_t align);
void mmu_set_slot(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, void *host, uint64_t size);
int __mmu_set_slot(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		   uint64_t gpa, void *host, uint64_t size);

#endif /* MINIKVM_MMU_GUEST_H */
