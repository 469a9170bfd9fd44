// SPDX-License-Identifier: GPL-2.0
/*
 * The chain made visible: GVA -> GPA (the guest's page tables,
 * mmu_gva_walk()), GPA -> HVA (the memory slots, mmu_find_slot()),
 * HVA -> HPA (the page minikvm pinned for the guest), and the EPT leaf
 * that gives the CPU GPA -> HPA (ept_lookup()).
 *
 * KVM_TRANSLATE answers the first step exactly as KVM does (KVM always
 * reports writeable = 1 and usermode = 0). MINIKVM_TRANSLATE_CHAIN
 * (uapi/minikvm.h) answers all of them; host-physical addresses are shown
 * only to CAP_SYS_ADMIN, like /proc/<pid>/pagemap.
 *
 * Environment: vCPU ioctl, vCPU loaded.
 */
#include <linux/capability.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "uapi/minikvm.h"

static long mmu_kvm_translate(struct minikvm_vcpu *vcpu, struct kvm_translation __user *u)
{
	struct kvm_translation tr;
	u64 gpa;

	if (copy_from_user(&tr, u, sizeof(tr)))
		return -EFAULT;
	tr.valid = !mmu_gva_to_gpa(vcpu, tr.linear_address, &gpa);
	tr.physical_address = tr.valid ? gpa : ~0ull;
	tr.writeable = 1;
	tr.usermode = 0;
	return copy_to_user(u, &tr, sizeof(tr)) ? -EFAULT : 0;
}

static long mmu_translate_chain(struct minikvm_vcpu *vcpu, struct minikvm_translation_chain __user *u)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	struct minikvm_translation_chain c;
	bool root = capable(CAP_SYS_ADMIN);
	struct mmu_gva_walk w;
	struct mmu_slot *slot;
	struct page *page;
	u64 gfn, gva;

	if (get_user(gva, &u->gva))
		return -EFAULT;
	memset(&c, 0, sizeof(c));
	c.gva = gva;
	if (mmu_gva_walk(vcpu, c.gva, &w))
		goto out;
	c.flags |= MINIKVM_CHAIN_GPA;
	c.gpa = w.gpa;
	c.guest_level = w.level;
	c.guest_writable = w.writable;
	c.guest_user = w.user;
	c.guest_pte = w.pte;

	gfn = c.gpa >> PAGE_SHIFT;
	mutex_lock(&mmu->lock);
	slot = mmu_find_slot(mmu, gfn);
	if (slot) {
		c.flags |= MINIKVM_CHAIN_HVA;
		c.slot = slot - mmu->slots;
		c.hva = slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE +
			offset_in_page(c.gpa);
		page = mmu_slot_page(slot, gfn - slot->base_gfn);
		if (page && root) {
			c.flags |= MINIKVM_CHAIN_HPA;
			c.hpa = page_to_phys(page) + offset_in_page(c.gpa);
		}
	}
	c.ept_level = ept_lookup(mmu, c.gpa, &c.ept_entry);
	mutex_unlock(&mmu->lock);
	if (c.ept_level) {
		c.flags |= MINIKVM_CHAIN_EPT;
		c.ept_perm = c.ept_entry & VMX_EPT_RWX_MASK;
		if (!root)
			c.ept_entry &= ~GENMASK_ULL(51, 12);
	}
out:
	return copy_to_user(u, &c, sizeof(c)) ? -EFAULT : 0;
}

/**
 * mmu_translate_ioctl() - KVM_TRANSLATE and MINIKVM_TRANSLATE_CHAIN
 * @vcpu: the loaded vCPU
 * @ioctl: which one
 * @argp: its userspace argument
 *
 * Return: 0, -EFAULT, or -ENOTTY for another ioctl.
 */
long mmu_translate_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_TRANSLATE:
		return mmu_kvm_translate(vcpu, argp);
	case MINIKVM_TRANSLATE_CHAIN:
		return mmu_translate_chain(vcpu, argp);
	}
	return -ENOTTY;
}
