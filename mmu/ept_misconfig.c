// SPDX-License-Identifier: GPL-2.0
/*
 * What happens on an EPT misconfiguration: the fast path of MMIO.
 *
 * vmx/exit_ept.c hands the exit (reason 49) and its GPA to
 * mmu_mmio_fault(). The first access to a page no slot backs took an
 * EPT violation, which
 * left a deliberately misconfigured entry there (ept_mark_mmio()). Every
 * later access exits with reason 49 instead, and the GPA is known to be
 * MMIO without looking at the slots again (KVM does the same with its
 * "MMIO SPTEs"). Creating a slot over such a page zaps the mark
 * (mmu_set_user_memory_region()), so a stale mark is only possible in the
 * window of a concurrent slot change: then the mark is dropped and the
 * guest retried, which faults the page in normally.
 *
 * A misconfiguration minikvm did not write would be a bug in its EPT
 * code: it ends KVM_RUN with an internal error rather than loop.
 *
 * Environment: vCPU thread, preemptible.
 */
#include "core/minikvm.h"

/**
 * mmu_mmio_fault() - an access to a page marked as MMIO
 * @vcpu: the vCPU
 * @gpa: the guest-physical address accessed
 *
 * Return: EXIT_TO_USER (KVM_EXIT_MMIO, or an internal error), or
 * RESUME_GUEST after dropping a stale mark.
 */
int mmu_mmio_fault(struct minikvm_vcpu *vcpu, u64 gpa)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	bool mark, slot;

	mutex_lock(&mmu->lock);
	mark = ept_is_mmio(mmu, gpa & PAGE_MASK);
	slot = mmu_find_slot(mmu, gpa >> PAGE_SHIFT);
	if (mark && slot) {
		ept_zap_range(mmu, gpa >> PAGE_SHIFT, 1);
		ept_flush_all_cpus(mmu);
	}
	mutex_unlock(&mmu->lock);

	if (!mark) {
		pr_warn_ratelimited("minikvm: EPT misconfiguration at GPA %#llx\n", gpa);
		return minikvm_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
	}
	if (slot)
		return RESUME_GUEST;
	return mmu_mmio_emulate(vcpu, gpa);
}
