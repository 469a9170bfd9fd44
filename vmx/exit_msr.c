// SPDX-License-Identifier: GPL-2.0
/*
 * RDMSR/WRMSR exits and the guest MSR model behind them, which
 * KVM_GET_MSRS/KVM_SET_MSRS share ("host" accesses).
 *
 * Where each MSR lives: EFER, PAT, SYSENTER_*, FS/GS base and DEBUGCTL in
 * VMCS guest fields (switched by the CPU); the SYSCALL MSRs and
 * KERNEL_GS_BASE in struct minikvm_vcpu, swapped lazily by
 * mvmx_load_guest_msrs(); the rest are plain storage. FS/GS base,
 * KERNEL_GS_BASE and SYSENTER_* do not exit at all (MSR bitmap,
 * vmx/vmcs.c). MSRs with no VT-x state (machine check, kvmclock, and
 * TSC/TSC_ADJUST, an offset the CPU applies: core/tsc.c) are core's
 * (core/msr_mce.c asks the others).
 *
 * An MSR not listed here faults: #GP in the guest, and KVM_GET/SET_MSRS
 * stop at it, as KVM does with ignore_msrs=0. A guest access the MSR
 * filter denies, or that faults, may exit to userspace instead
 * (KVM_CAP_X86_USER_SPACE_MSR, core/msr_filter.c).
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "core/request.h"
#include "irq/apic.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/vmx_ops.h"

/* What KVM_GET_MSR_INDEX_LIST reports: everything the model below holds. */
static const u32 vmx_msrs_to_save[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_TSC_ADJUST, MSR_IA32_CR_PAT, MSR_EFER, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_MISC_ENABLE, MSR_IA32_APICBASE, MSR_MTRRdefType, MSR_TSC_AUX,
	MSR_PLATFORM_INFO, MSR_IA32_POWER_CTL, MSR_IA32_TSC_DEADLINE,
	/* core/msr_mce.c, as in KVM's emulated_msrs */
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
};

/*
 * IA32_BIOS_SIGN_ID as a guest reads it: KVM's reset value. Writes are
 * accepted and dropped, so it is also the only value minikvm can offer
 * as a feature MSR.
 */
#define VMX_UCODE_REV	0x100000000ull

#define VMX_MAX_IO_MSRS	256	/* KVM's MAX_IO_MSRS */

/*
 * What KVM_GET_MSR_FEATURE_INDEX_LIST reports: the feature MSRs of KVM's
 * list whose value minikvm's guests really see. PERF_CAPABILITIES is 0:
 * minikvm has no PMU and no PDCM in its CPUID, and KVM without a PMU
 * offers the same 0 (Linux's vmx_pmu_caps_test reads it before checking
 * for PDCM). KVM's others (ARCH_CAPABILITIES, the VMX capability MSRs for
 * nesting) are not modelled.
 */
static const u32 vmx_msr_features[] = {
	MSR_IA32_UCODE_REV,
	MSR_IA32_PERF_CAPABILITIES,
};

/* SDM Vol. 3A, "MTRR": 8 variable ranges, fixed ranges, WC supported. */
#define VMX_MTRR_CAP	(0x500 | 8)
#define VMX_NR_VAR_MTRR	8
/* IA32_MTRR_PHYSBASEn = 200h + 2n, IA32_MTRR_PHYSMASKn = 201h + 2n. */
#define VMX_MTRR_VAR_FIRST	0x200
#define VMX_MTRR_VAR_LAST	(0x200 + 2 * VMX_NR_VAR_MTRR - 1)

static int vmx_mtrr_fixed_index(u32 msr)
{
	switch (msr) {
	case MSR_MTRRfix64K_00000:
		return 0;
	case MSR_MTRRfix16K_80000:
		return 1;
	case MSR_MTRRfix16K_A0000:
		return 2;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + msr - MSR_MTRRfix4K_C0000;
	}
	return -1;
}

/* core/msr_mce.c's answer as mvmx_get/set_msr() give it. */
static int vmx_msr_common_result(int ret)
{
	if (ret == -ENOENT)
		return MINIKVM_MSR_UNKNOWN;
	return ret ? 1 : 0;
}

/**
 * mvmx_get_msr() - read a guest MSR
 * @vcpu: the loaded vCPU
 * @index: MSR number
 * @data: where the value goes
 * @host: true for KVM_GET_MSRS (no CPUID-based refusal)
 *
 * Return: 0; 1 when the model refuses the read (#GP for the guest),
 * MINIKVM_MSR_UNKNOWN for an MSR the model does not hold (#GP too).
 */
int mvmx_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int fixed;

	switch (index) {
	case MSR_EFER:
		*data = vmcs_read64(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_CR_PAT:
		*data = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*data = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmcs_readl(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmcs_readl(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_FS_BASE:
		*data = vmcs_readl(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*data = vmcs_readl(GUEST_GS_BASE);
		return 0;
	case MSR_KERNEL_GS_BASE:
		/* The live value is in the CPU while guest MSRs are loaded. */
		if (to_vmx(vcpu)->guest_msrs_loaded)
			rdmsrl(MSR_KERNEL_GS_BASE, vcpu->msr_kernel_gs_base);
		*data = vcpu->msr_kernel_gs_base;
		return 0;
	case MSR_STAR:
		*data = vcpu->msr_star;
		return 0;
	case MSR_LSTAR:
		*data = vcpu->msr_lstar;
		return 0;
	case MSR_CSTAR:
		*data = vcpu->msr_cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*data = vcpu->msr_sfmask;
		return 0;
	case MSR_TSC_AUX:
		*data = vcpu->msr_tsc_aux;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*data = vmcs_read64(GUEST_IA32_DEBUGCTL);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->msr_misc_enable;
		return 0;
	case MSR_IA32_APICBASE:
		*data = vcpu->msr_apic_base;
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		*data = minikvm_get_tsc_deadline(vcpu);
		return 0;
	case APIC_BASE_MSR ... APIC_BASE_MSR + 0xff:
		return minikvm_x2apic_msr_read(vcpu, index, data);
	case MSR_IA32_UCODE_REV:
		*data = VMX_UCODE_REV;
		return 0;
	case MSR_PLATFORM_INFO:
		/* Unless KVM_CAP_MSR_PLATFORM_INFO turned guest reads off. */
		if (!host && !READ_ONCE(vcpu->vm->guest_reads_platform_info))
			return 1;
		*data = vcpu->msr_platform_info;
		return 0;
	case MSR_IA32_POWER_CTL:
		*data = vcpu->msr_power_ctl;
		return 0;
	case MSR_MTRRcap:
		*data = VMX_MTRR_CAP;
		return 0;
	case MSR_MTRRdefType:
		*data = vcpu->msr_mtrr_def_type;
		return 0;
	case VMX_MTRR_VAR_FIRST ... VMX_MTRR_VAR_LAST:
		index = array_index_nospec(index - VMX_MTRR_VAR_FIRST, 2 * VMX_NR_VAR_MTRR);
		*data = vcpu->msr_mtrr_var[index];
		return 0;
	}
	fixed = vmx_mtrr_fixed_index(index);
	if (fixed >= 0) {
		*data = vcpu->msr_mtrr_fixed[fixed];
		return 0;
	}
	return vmx_msr_common_result(minikvm_get_msr_common(vcpu, index, data, host));
}

/*
 * SDM Vol. 3A, "Variable Range MTRRs": PHYSBASEn holds a memory type
 * (0, 1, 4, 5 or 6) in bits 7:0 and the base from bit 12; PHYSMASKn the
 * valid bit 11 and the mask from bit 12. Bits 11:8 of the base, 10:0 of
 * the mask and everything beyond MAXPHYADDR are reserved.
 */
static bool vmx_mtrr_var_valid(u32 index, u64 data)
{
	u64 reserved = ~GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0);
	u8 type = data;

	if ((index - VMX_MTRR_VAR_FIRST) & 1)		/* PHYSMASKn */
		return !(data & (reserved | GENMASK_ULL(10, 0)));
	if (type > 6 || type == 2 || type == 3)
		return false;
	return !(data & (reserved | GENMASK_ULL(11, 8)));
}

/* SDM Vol. 3A, "IA32_PAT MSR": each byte a memory type 0, 1, 4, 5, 6 or 7. */
bool mvmx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/**
 * mvmx_apic_base_valid() - may IA32_APIC_BASE take @data?
 * @vcpu: the vCPU
 * @data: the new value, from WRMSR, KVM_SET_MSRS or KVM_SET_SREGS
 *
 * SDM Vol. 3A, "Local APIC Status and Location": bits 7:0, 9 and those
 * beyond MAXPHYADDR are reserved, x2APIC mode (bit 10) exists only with
 * CPUID.1:ECX.x2APIC, and x2APIC mode without the xAPIC enable (bit 11)
 * is an invalid state. KVM refuses the same (kvm_set_apic_base()).
 */
bool mvmx_apic_base_valid(struct minikvm_vcpu *vcpu, u64 data)
{
	u64 reserved = 0x2ff | ~GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0);

	if (!minikvm_cpuid_has(vcpu, 1, CPUID_ECX, X86_FEATURE_X2APIC))
		reserved |= X2APIC_ENABLE;
	if (data & reserved)
		return false;
	return !((data & X2APIC_ENABLE) && !(data & MSR_IA32_APICBASE_ENABLE));
}

/* SDM Vol. 3A, "IA32_EFER": SCE, LME, NXE writable; LMA follows CR0.PG. */
static int vmx_write_efer(struct minikvm_vcpu *vcpu, u64 data, bool host)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA;

	if (host || minikvm_cpuid_has(vcpu, 0x80000001, CPUID_EDX, X86_FEATURE_NX))
		allowed |= EFER_NX;
	if (data & ~allowed)
		return 1;
	/* LME cannot change while the guest pages. */
	if (!host && (to_vmx(vcpu)->cr0 & X86_CR0_PG) && ((data ^ old) & EFER_LME))
		return 1;
	/*
	 * LMA is the CPU's to set, from LME and CR0.PG, for the guest and for
	 * KVM_SET_MSRS alike (as KVM): an LMA that disagreed with CR0 would
	 * make the next VM entry fail. KVM_SET_SREGS sets it as given.
	 */
	data = (data & ~EFER_LMA) | (old & EFER_LMA);
	return mvmx_set_efer(vcpu, data);
}

/**
 * mvmx_set_msr() - write a guest MSR
 * @vcpu: the loaded vCPU
 * @index: MSR number
 * @data: the value
 * @host: true for KVM_SET_MSRS
 *
 * Return: 0; 1 for a value the MSR refuses (#GP for the guest),
 * MINIKVM_MSR_UNKNOWN for an MSR the model does not hold (#GP too).
 */
int mvmx_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int fixed;

	switch (index) {
	case MSR_EFER:
		return vmx_write_efer(vcpu, data, host);
	case MSR_IA32_CR_PAT:
		if (!mvmx_pat_valid(data))
			return 1;
		vmcs_write64(GUEST_IA32_PAT, data);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, data);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		/* Loaded into the CPU or VMCS: must be canonical (48-bit). */
		if (!__is_canonical_address(data, 48))
			return 1;
		break;
	}

	switch (index) {
	case MSR_IA32_SYSENTER_ESP:
		vmcs_writel(GUEST_SYSENTER_ESP, data);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmcs_writel(GUEST_SYSENTER_EIP, data);
		return 0;
	case MSR_FS_BASE:
		vmcs_writel(GUEST_FS_BASE, data);
		return 0;
	case MSR_GS_BASE:
		vmcs_writel(GUEST_GS_BASE, data);
		return 0;
	case MSR_KERNEL_GS_BASE:
		vcpu->msr_kernel_gs_base = data;
		if (to_vmx(vcpu)->guest_msrs_loaded)
			wrmsrl(MSR_KERNEL_GS_BASE, data);
		return 0;
	case MSR_STAR:
		vcpu->msr_star = data;
		break;
	case MSR_LSTAR:
		vcpu->msr_lstar = data;
		break;
	case MSR_CSTAR:
		vcpu->msr_cstar = data;
		break;
	case MSR_SYSCALL_MASK:
		/* A 32-bit mask: bits 63:32 are reserved (#GP on hardware). */
		if (data >> 32)
			return 1;
		vcpu->msr_sfmask = data;
		break;
	case MSR_TSC_AUX:
		if (data >> 32)
			return 1;
		vcpu->msr_tsc_aux = data;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/* No LBR or BTF for guests: only 0 is accepted. */
		if (data)
			return 1;
		vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return minikvm_set_misc_enable(vcpu, data);
	case MSR_IA32_APICBASE:
		/* Then the transitions the guest may make (irq/lapic.c). */
		if (!mvmx_apic_base_valid(vcpu, data))
			return 1;
		return minikvm_set_apic_base(vcpu, data, host);
	case MSR_IA32_TSC_DEADLINE:
		minikvm_set_tsc_deadline(vcpu, data);
		return 0;
	case APIC_BASE_MSR ... APIC_BASE_MSR + 0xff:
		return minikvm_x2apic_msr_write(vcpu, index, data);
	case MSR_IA32_UCODE_REV:
		return 0;
	case MSR_IA32_POWER_CTL:
		/* Plain storage, any value, as KVM keeps it. */
		vcpu->msr_power_ctl = data;
		return 0;
	case MSR_PLATFORM_INFO:
		/*
		 * Userspace sets it, as KVM; the guest cannot. KVM also refuses
		 * to clear CPUID_FAULT while CPUID faulting is on, which
		 * minikvm does not offer.
		 */
		if (!host)
			return 1;
		vcpu->msr_platform_info = data;
		return 0;
	case MSR_MTRRdefType:
		if (data & ~0xcffull)
			return 1;
		vcpu->msr_mtrr_def_type = data;
		return 0;
	case VMX_MTRR_VAR_FIRST ... VMX_MTRR_VAR_LAST:
		if (!vmx_mtrr_var_valid(index, data))
			return 1;
		index = array_index_nospec(index - VMX_MTRR_VAR_FIRST, 2 * VMX_NR_VAR_MTRR);
		vcpu->msr_mtrr_var[index] = data;
		return 0;
	default:
		fixed = vmx_mtrr_fixed_index(index);
		if (fixed < 0)
			return vmx_msr_common_result(minikvm_set_msr_common(vcpu, index, data,
									    host));
		vcpu->msr_mtrr_fixed[fixed] = data;
		return 0;
	}

	/* A SYSCALL MSR changed: the CPU copy, if loaded, follows. */
	if (to_vmx(vcpu)->guest_msrs_loaded)
		wrmsrl(index, data);
	return 0;
}

static long vmx_msr_list_copy(struct kvm_msr_list __user *ulist, const u32 *list, u32 n)
{
	struct kvm_msr_list hdr;
	u32 room;

	if (copy_from_user(&hdr, ulist, sizeof(hdr)))
		return -EFAULT;
	room = hdr.nmsrs;
	hdr.nmsrs = n;
	/* KVM writes the count back before refusing a short buffer. */
	if (copy_to_user(ulist, &hdr, sizeof(hdr)))
		return -EFAULT;
	if (room < hdr.nmsrs)
		return -E2BIG;
	if (copy_to_user(ulist->indices, list, n * sizeof(*list)))
		return -EFAULT;
	return 0;
}

long minikvm_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	return vmx_msr_list_copy(ulist, vmx_msrs_to_save, ARRAY_SIZE(vmx_msrs_to_save));
}

/* KVM_GET_MSR_FEATURE_INDEX_LIST on /dev/minikvm. */
long minikvm_get_msr_feature_index_list(struct kvm_msr_list __user *ulist)
{
	return vmx_msr_list_copy(ulist, vmx_msr_features, ARRAY_SIZE(vmx_msr_features));
}

/* The value of a feature MSR of vmx_msr_features[]; 1 for any other. */
static int vmx_get_msr_feature(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_UCODE_REV:
		*data = VMX_UCODE_REV;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*data = 0;
		return 0;
	}
	return 1;
}

/**
 * minikvm_get_msr_features() - KVM_GET_MSRS on /dev/minikvm
 * @umsrs: the MSRs of vmx_msr_features[] to read
 *
 * Return: as KVM, the number of entries read, stopping at the first MSR
 * that is not a feature MSR (its data set to 0); -E2BIG for 256 or more,
 * -EFAULT.
 */
long minikvm_get_msr_features(struct kvm_msrs __user *umsrs)
{
	struct kvm_msrs hdr;
	u32 i;

	if (copy_from_user(&hdr, umsrs, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= VMX_MAX_IO_MSRS)
		return -E2BIG;
	for (i = 0; i < hdr.nmsrs; i++) {
		struct kvm_msr_entry e;
		int absent;

		if (copy_from_user(&e, &umsrs->entries[i], sizeof(e)))
			return -EFAULT;
		/* As KVM, the entry that stops the read comes back as 0. */
		e.data = 0;
		absent = vmx_get_msr_feature(e.index, &e.data);
		if (copy_to_user(&umsrs->entries[i].data, &e.data, sizeof(e.data)))
			return -EFAULT;
		if (absent)
			break;
	}
	return i;
}

/*
 * The next KVM_RUN after a KVM_EXIT_X86_RDMSR/WRMSR: userspace's error
 * byte, read once, raises #GP; else a read takes its data, and the
 * instruction is done (KVM's complete_fast_rdmsr/complete_fast_msr_access).
 */
static int vmx_msr_complete(struct minikvm_vcpu *vcpu, bool read)
{
	struct kvm_run *run = vcpu->run;
	unsigned long *regs = to_vmx(vcpu)->regs;
	u8 error = READ_ONCE(run->msr.error);
	u64 data = READ_ONCE(run->msr.data);

	if (error) {
		mvmx_inject_gp(vcpu);
		return 1;
	}
	if (read) {
		regs[__VCPU_REGS_RAX] = (u32)data;
		regs[__VCPU_REGS_RDX] = data >> 32;
	}
	mvmx_skip_instruction(vcpu);
	return 1;
}

static int vmx_rdmsr_complete(struct minikvm_vcpu *vcpu)
{
	return vmx_msr_complete(vcpu, true);
}

static int vmx_wrmsr_complete(struct minikvm_vcpu *vcpu)
{
	return vmx_msr_complete(vcpu, false);
}

/*
 * SDM Vol. 2B, "RDMSR": ECX selects, EDX:EAX receives; #GP(0) if absent.
 * A read the MSR filter denies, or the model refuses, exits to userspace
 * instead when KVM_CAP_X86_USER_SPACE_MSR asked for that reason.
 */
int mvmx_handle_rdmsr(struct minikvm_vcpu *vcpu)
{
	unsigned long *regs = to_vmx(vcpu)->regs;
	u32 index = regs[__VCPU_REGS_RCX];
	u64 data = 0;
	int r;

	if (!minikvm_msr_allowed(vcpu, index, KVM_MSR_FILTER_READ))
		r = MINIKVM_MSR_FILTERED;
	else
		r = mvmx_get_msr(vcpu, index, &data, false);
	if (r) {
		if (minikvm_msr_user_exit(vcpu, index, false, 0, r, vmx_rdmsr_complete))
			return EXIT_TO_USER;
		return mvmx_inject_gp(vcpu);
	}
	regs[__VCPU_REGS_RAX] = (u32)data;
	regs[__VCPU_REGS_RDX] = data >> 32;
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}

int mvmx_handle_wrmsr(struct minikvm_vcpu *vcpu)
{
	unsigned long *regs = to_vmx(vcpu)->regs;
	u64 data = (u32)regs[__VCPU_REGS_RAX] | (u64)regs[__VCPU_REGS_RDX] << 32;
	u32 index = regs[__VCPU_REGS_RCX];
	int r;

	if (!minikvm_msr_allowed(vcpu, index, KVM_MSR_FILTER_WRITE))
		r = MINIKVM_MSR_FILTERED;
	else
		r = mvmx_set_msr(vcpu, index, data, false);
	if (r) {
		if (minikvm_msr_user_exit(vcpu, index, true, data, r, vmx_wrmsr_complete))
			return EXIT_TO_USER;
		return mvmx_inject_gp(vcpu);
	}
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}
