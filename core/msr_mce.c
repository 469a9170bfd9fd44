// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs with no VT-x state, kept in struct minikvm_vcpu and answered as
 * KVM's kvm_get_msr_common()/kvm_set_msr_common() answer them; vmx/
 * asks here for any MSR its own model does not hold (vmx/exit_msr.c).
 *
 * Machine-check architecture (SDM Vol. 3B, "Machine-Check Architecture"):
 * IA32_MCG_CAP (read-only: KVM_X86_SETUP_MCE sets it), MCG_STATUS,
 * MCG_CTL (with MCG_CTL_P), and four MSRs per bank from 400h: MCi_CTL,
 * MCi_STATUS, MCi_ADDR, MCi_MISC, plus MCi_CTL2 from 280h (CMCI). A new
 * vCPU has KVM's default MCG_CAP of 32 banks and no capability bits; the
 * banks are storage only (no machine check is ever raised in a guest:
 * KVM_X86_SET_MCE is not there). What the guest may write differs from
 * what the VMM restoring state may write ("host"), as in KVM.
 *
 * KVM's paravirtual clock MSRs, old (11h, 12h) and new (4b564d00h,
 * 4b564d01h) numbers: KVM accepts them whatever the guest CPUID says
 * (unless KVM_CAP_ENFORCE_PV_FEATURE_CPUID, core/vcpu_cap.c). The values
 * are kept for save and restore; core/kvmclock.c writes the structures
 * they point at into guest memory.
 *
 * The TSC MSRs are core/tsc.c's, asked last.
 *
 * Environment: vCPU loaded, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/mce.h>
#include <asm/msr-index.h>

#include "core/minikvm.h"
#include "core/request.h"

/* KVM_X86_GET_MCE_CAP_SUPPORTED: no LMCE, no CMCI (Documentation/ioctl.rst). */
#define MINIKVM_MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)

/* MCi_* register inside a bank: (msr - MC0_CTL) % 4. */
enum { MCE_BANK_CTL, MCE_BANK_STATUS, MCE_BANK_ADDR, MCE_BANK_MISC };

static unsigned int mce_nr_banks(struct minikvm_vcpu *vcpu)
{
	return vcpu->mcg_cap & 0xff;
}

/* The vCPU's default: MCG_CAP = 32 banks, every bank cleared. */
void minikvm_mce_reset(struct minikvm_vcpu *vcpu)
{
	vcpu->mcg_cap = MINIKVM_MAX_MCE_BANKS;
}

/* Index into mce_banks[] of MSR @index, or -1 beyond the vCPU's banks. */
static int mce_bank_index(struct minikvm_vcpu *vcpu, u32 index)
{
	unsigned int n = 4 * mce_nr_banks(vcpu);

	if (index < MSR_IA32_MC0_CTL || index >= MSR_IA32_MC0_CTL + n)
		return -1;
	return array_index_nospec(index - MSR_IA32_MC0_CTL, n);
}

static int mce_ctl2_index(struct minikvm_vcpu *vcpu, u32 index)
{
	unsigned int n = mce_nr_banks(vcpu);

	if (index < MSR_IA32_MC0_CTL2 || index >= MSR_IA32_MC0_CTL2 + n)
		return -1;
	return array_index_nospec(index - MSR_IA32_MC0_CTL2, n);
}

static bool mce_is_bank_msr(u32 index)
{
	return (index >= MSR_IA32_MC0_CTL &&
		index < MSR_IA32_MCx_CTL(MINIKVM_MAX_MCE_BANKS)) ||
	       (index >= MSR_IA32_MC0_CTL2 &&
		index < MSR_IA32_MCx_CTL2(MINIKVM_MAX_MCE_BANKS));
}

static int mce_get_bank(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int i = mce_bank_index(vcpu, index);

	if (i >= 0) {
		*data = vcpu->mce_banks[i];
		return 0;
	}
	i = mce_ctl2_index(vcpu, index);
	if (i < 0 || (!(vcpu->mcg_cap & MCG_CMCI_P) && !host))
		return 1;
	*data = vcpu->mci_ctl2[i];
	return 0;
}

/*
 * MCi_CTL takes 0 or all ones (bits 10 and 0 may be clear: old Linux and
 * UnixWare clear them); the guest may only clear MCi_STATUS (Intel: no
 * HWCR.McStatusWrEn); MCi_CTL2 exists for the guest only with CMCI.
 */
static int mce_set_bank(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int i = mce_bank_index(vcpu, index);

	if (i >= 0) {
		if (i % 4 == MCE_BANK_CTL && data && (data | BIT_ULL(10) | 1) != ~0ull)
			return 1;
		if (i % 4 == MCE_BANK_STATUS && data && !host)
			return 1;
		vcpu->mce_banks[i] = data;
		return 0;
	}
	i = mce_ctl2_index(vcpu, index);
	if (i < 0 || (!(vcpu->mcg_cap & MCG_CMCI_P) && (data || !host)))
		return 1;
	if (data & ~(MCI_CTL2_CMCI_EN | MCI_CTL2_CMCI_THRESHOLD_MASK))
		return 1;
	vcpu->mci_ctl2[i] = data;
	return 0;
}

/*
 * The kvmclock MSRs under KVM_CAP_ENFORCE_PV_FEATURE_CPUID: the old pair
 * (0x11, 0x12) needs KVM_FEATURE_CLOCKSOURCE, the new pair
 * KVM_FEATURE_CLOCKSOURCE2, for the VMM's accesses too, as in KVM.
 */
static bool kvmclock_msr_allowed(struct minikvm_vcpu *vcpu, u32 index)
{
	bool old = index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_SYSTEM_TIME;

	return minikvm_guest_pv_has(vcpu, old ? KVM_FEATURE_CLOCKSOURCE : KVM_FEATURE_CLOCKSOURCE2);
}

/**
 * minikvm_get_msr_common() - read an MSR that only core/ holds
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: where the value goes
 * @host: KVM_GET_MSRS rather than the guest's RDMSR
 *
 * Return: 0, 1 to refuse (#GP for the guest), -ENOENT for an MSR not here.
 */
int minikvm_get_msr_common(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*data = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*data = vcpu->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = vcpu->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(vcpu->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*data = vcpu->mcg_ctl;
		return 0;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		if (!kvmclock_msr_allowed(vcpu, index))
			return 1;
		*data = vcpu->vm->pv_wall_clock;
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		if (!kvmclock_msr_allowed(vcpu, index))
			return 1;
		*data = vcpu->pv_system_time;
		return 0;
	}
	if (mce_is_bank_msr(index))
		return mce_get_bank(vcpu, index, data, host);
	return minikvm_tsc_get_msr(vcpu, index, data, host);
}

/**
 * minikvm_set_msr_common() - write an MSR that only core/ holds
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: KVM_SET_MSRS rather than the guest's WRMSR
 *
 * MCG_CAP is not writable, by the guest or by KVM_SET_MSRS (KVM refuses
 * it too: KVM_X86_SETUP_MCE is the way).
 *
 * Return: 0, 1 to refuse (#GP for the guest), -ENOENT for an MSR not here.
 */
int minikvm_set_msr_common(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	switch (index) {
	case MSR_IA32_MCG_STATUS:
		vcpu->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(vcpu->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data && data != ~0ull)
			return 1;
		vcpu->mcg_ctl = data;
		return 0;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		if (!kvmclock_msr_allowed(vcpu, index))
			return 1;
		vcpu->vm->pv_wall_clock = data;
		minikvm_kvmclock_wall(vcpu->vm, data);
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		if (!kvmclock_msr_allowed(vcpu, index))
			return 1;
		vcpu->pv_system_time = data;
		minikvm_make_request(MINIKVM_REQ_CLOCK_UPDATE, vcpu);
		return 0;
	}
	if (mce_is_bank_msr(index))
		return mce_set_bank(vcpu, index, data, host);
	return minikvm_tsc_set_msr(vcpu, index, data, host);
}

/**
 * minikvm_setup_mce() - KVM_X86_SETUP_MCE
 * @vcpu: the vCPU
 * @argp: the new MCG_CAP
 *
 * As KVM's kvm_vcpu_ioctl_x86_setup_mce(): 1 to 32 banks, capability bits
 * among the supported ones (bits 23:16, the extended register count, are
 * let through); MCG_CTL and every MCi_CTL become all ones.
 *
 * Return: 0, -EFAULT, or -EINVAL changing nothing.
 */
long minikvm_setup_mce(struct minikvm_vcpu *vcpu, u64 __user *argp)
{
	unsigned int banks, i;
	u64 cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	banks = cap & 0xff;
	if (!banks || banks > MINIKVM_MAX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(MINIKVM_MCE_CAP_SUPPORTED | 0xff | 0xff0000))
		return -EINVAL;
	vcpu->mcg_cap = cap;
	if (cap & MCG_CTL_P)
		vcpu->mcg_ctl = ~0ull;
	for (i = 0; i < banks; i++)
		vcpu->mce_banks[4 * i + MCE_BANK_CTL] = ~0ull;
	return 0;
}

/* KVM_X86_GET_MCE_CAP_SUPPORTED, a /dev/minikvm ioctl. */
long minikvm_get_mce_cap_supported(u64 __user *argp)
{
	u64 cap = MINIKVM_MCE_CAP_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}
