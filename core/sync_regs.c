// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS: registers passed through the kvm_run page instead of
 * KVM_GET/SET_REGS, KVM_GET/SET_SREGS and KVM_GET/SET_VCPU_EVENTS around
 * each KVM_RUN. KVM 6.1's semantics (kvm_arch_vcpu_ioctl_run()):
 *
 *  - a bit outside KVM_SYNC_X86_VALID_FIELDS in kvm_valid_regs or
 *    kvm_dirty_regs makes KVM_RUN fail with -EINVAL before anything runs;
 *  - at the start of KVM_RUN each set named in kvm_dirty_regs is applied
 *    (regs, then sregs, then events), exactly as the SET ioctl would, and
 *    its bit cleared; a set the SET ioctl would refuse stops there with
 *    -EINVAL, its bit and the later ones left set;
 *  - when KVM_RUN returns, by any path, each set named in kvm_valid_regs
 *    is stored into s.regs as the GET ioctl would return it.
 *
 * The run page is shared with userspace, which may change it from
 * another thread at any time: the caller reads both masks once, and a set
 * is copied into the kernel whole before any of it is checked or used.
 *
 * Environment: vCPU loaded, vcpu->mutex held (KVM_RUN).
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "core/minikvm.h"

static noinline void sync_in_regs(struct minikvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	memcpy(&regs, &vcpu->run->s.regs.regs, sizeof(regs));
	minikvm_set_regs(vcpu, &regs);
}

static noinline int sync_in_sregs(struct minikvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	memcpy(&sregs, &vcpu->run->s.regs.sregs, sizeof(sregs));
	return minikvm_set_sregs(vcpu, &sregs);
}

static noinline int sync_in_events(struct minikvm_vcpu *vcpu)
{
	struct kvm_vcpu_events ev;

	memcpy(&ev, &vcpu->run->s.regs.events, sizeof(ev));
	return minikvm_set_events(vcpu, &ev);
}

/**
 * minikvm_sync_regs_in() - apply the sets userspace marked dirty
 * @vcpu: the vCPU, at the start of KVM_RUN
 * @dirty: kvm_dirty_regs as read once, only KVM_SYNC_X86_VALID_FIELDS bits
 *
 * Return: 0, or -EINVAL when the sregs or events set is refused (the sets
 * before it are applied, as in KVM).
 */
int minikvm_sync_regs_in(struct minikvm_vcpu *vcpu, u64 dirty)
{
	struct kvm_run *run = vcpu->run;

	if (dirty & KVM_SYNC_X86_REGS) {
		sync_in_regs(vcpu);
		dirty &= ~KVM_SYNC_X86_REGS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		if (sync_in_sregs(vcpu))
			return -EINVAL;
		dirty &= ~KVM_SYNC_X86_SREGS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		if (sync_in_events(vcpu))
			return -EINVAL;
		dirty &= ~KVM_SYNC_X86_EVENTS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	return 0;
}

/**
 * minikvm_sync_regs_out() - store the sets userspace asked for
 * @vcpu: the vCPU, as KVM_RUN returns
 * @valid: kvm_valid_regs as read once at the start of KVM_RUN; bits that
 *         name no set are ignored, as KVM ignores them here
 */
void minikvm_sync_regs_out(struct minikvm_vcpu *vcpu, u64 valid)
{
	struct kvm_sync_regs *s = &vcpu->run->s.regs;

	if (valid & KVM_SYNC_X86_REGS)
		minikvm_get_regs(vcpu, &s->regs);
	if (valid & KVM_SYNC_X86_SREGS)
		minikvm_get_sregs(vcpu, &s->sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		minikvm_get_events(vcpu, &s->events);
}
