// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for guests: what minikvm supports (KVM_GET_SUPPORTED_CPUID), the
 * table a VMM sets per vCPU (KVM_SET_CPUID2, KVM_GET_CPUID2), and the
 * lookup the CPUID exit uses (minikvm_find_cpuid()).
 *
 * Supported = the host's CPUID, minus what minikvm cannot give a guest:
 * VMX (no nested), MONITOR/MWAIT, PCID/INVPCID, RDTSCP/RDPID, XSAVES,
 * the PMU (leaf 0xa), TSC deadline (as KVM: a VMM adds it when
 * KVM_CAP_TSC_DEADLINE_TIMER says the in-kernel LAPIC has it),
 * and anything beyond the leaves listed; plus KVM's paravirtual leaves
 * 0x40000000 and 0x40000001 with the features minikvm implements;
 * and minus what the host kernel turned off (boot_cpu_data, as KVM's
 * kvm_cpu_cap_mask()): a kernel that disabled XSAVE at boot runs without
 * CR4.OSXSAVE, so neither XSAVE nor the AVX family it clears with it can
 * be given to a guest.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/cpufeatures.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>

#include "core/minikvm.h"
#include "irq/apic.h"

#define F(x) BIT(X86_FEATURE_##x & 31)

/* Per leaf: the bits of each register a guest may see. */
struct cpuid_mask {
	u32 function;
	u32 ecx, edx, ebx;
	int ecx_word, edx_word, ebx_word;	/* boot_cpu_data capability words, -1: none */
};

static const struct cpuid_mask cpuid_masks[] = {
	{ 1,
	  .ecx = F(XMM3) | F(PCLMULQDQ) | F(SSSE3) | F(FMA) | F(CX16) |
		 F(XMM4_1) | F(XMM4_2) | F(MOVBE) | F(POPCNT) | F(AES) | F(XSAVE) |
		 F(OSXSAVE) | F(AVX) | F(F16C) | F(RDRAND) | F(HYPERVISOR),
	  .edx = F(FPU) | F(VME) | F(DE) | F(PSE) | F(TSC) | F(MSR) | F(PAE) |
		 F(MCE) | F(CX8) | F(APIC) | F(SEP) | F(MTRR) | F(PGE) | F(MCA) |
		 F(CMOV) | F(PAT) | F(PSE36) | F(CLFLUSH) | F(MMX) | F(FXSR) |
		 F(XMM) | F(XMM2) | F(SELFSNOOP) | F(HT),
	  .ebx = ~0u,
	  .ecx_word = CPUID_1_ECX, .edx_word = CPUID_1_EDX, .ebx_word = -1 },
	{ 7,
	  .ebx = F(FSGSBASE) | F(BMI1) | F(HLE) | F(AVX2) | F(SMEP) | F(BMI2) |
		 F(ERMS) | F(RTM) | F(AVX512F) | F(AVX512DQ) | F(RDSEED) | F(ADX) |
		 F(SMAP) | F(CLFLUSHOPT) | F(CLWB) | F(AVX512CD) | F(SHA_NI) |
		 F(AVX512BW) | F(AVX512VL),
	  .ecx = 0, .edx = 0,
	  .ecx_word = -1, .edx_word = -1, .ebx_word = CPUID_7_0_EBX },
	{ 0x80000001,
	  .ecx = F(LAHF_LM) | F(ABM) | F(MISALIGNSSE) | F(3DNOWPREFETCH),
	  .edx = F(SYSCALL) | F(NX) | F(GBPAGES) | F(LM),
	  .ecx_word = CPUID_8000_0001_ECX, .edx_word = CPUID_8000_0001_EDX, .ebx_word = -1 },
};

static const u32 cpuid_leaves[] = { 0, 1, 2, 4, 7, 0xd, 0x80000000, 0x80000001,
				    0x80000002, 0x80000003, 0x80000004, 0x80000006,
				    0x80000007, 0x80000008 };

static const struct cpuid_mask *cpuid_mask_of(u32 function)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cpuid_masks); i++)
		if (cpuid_masks[i].function == function)
			return &cpuid_masks[i];
	return NULL;
}

/* The register bits the host kernel kept enabled, or all for no word. */
static u32 cpuid_host_caps(int word)
{
	return word < 0 ? ~0u : boot_cpu_data.x86_capability[word];
}

static void cpuid_fill(struct kvm_cpuid_entry2 *e, u32 function, u32 index, u32 flags)
{
	const struct cpuid_mask *m = cpuid_mask_of(function);

	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	if (m) {
		e->ebx &= m->ebx & cpuid_host_caps(m->ebx_word);
		e->ecx &= m->ecx & cpuid_host_caps(m->ecx_word);
		e->edx &= m->edx & cpuid_host_caps(m->edx_word);
		if (function == 7) {
			e->eax = 0;	/* only subleaf 0 */
			/* Emulated whatever the host has (core/tsc.c), as KVM. */
			e->ebx |= F(TSC_ADJUST);
		}
		/* x2APIC is the in-kernel LAPIC's, whatever the host has (as KVM). */
		if (function == 1)
			e->ecx |= F(HYPERVISOR) | F(X2APIC);
	}
	/* Leaf 0: no leaves beyond 0xd are described. */
	if (function == 0 && e->eax > 0xd)
		e->eax = 0xd;
	if (function == 0x80000000 && e->eax > 0x80000008)
		e->eax = 0x80000008;
	/* Leaf 0xd: nothing without XSAVE; XSAVES (subleaf 1 EAX bit 3) never. */
	if (function == 0xd && !boot_cpu_has(X86_FEATURE_XSAVE))
		e->eax = e->ebx = e->ecx = e->edx = 0;
	if (function == 0xd && index == 1)
		e->eax &= F(XSAVEOPT) | F(XSAVEC) | F(XGETBV1);
}

/*
 * KVM's paravirtual leaves (Documentation/virt/kvm/x86/cpuid.rst): the
 * signature, and the features minikvm implements: kvmclock in both MSR
 * pairs (core/kvmclock.c) and NOP_IO_DELAY (port 0x80 delays are not
 * needed). No CLOCKSOURCE_STABLE_BIT: there is no master clock.
 */
static int cpuid_kvm_leaves(struct kvm_cpuid_entry2 *out, int max)
{
	static const char sig[12] __nonstring = "KVMKVMKVM\0\0\0";

	if (max < 2)
		return -E2BIG;
	memset(out, 0, 2 * sizeof(*out));
	out[0].function = KVM_CPUID_SIGNATURE;
	out[0].eax = KVM_CPUID_FEATURES;
	memcpy(&out[0].ebx, sig, 4);
	memcpy(&out[0].ecx, sig + 4, 4);
	memcpy(&out[0].edx, sig + 8, 4);
	out[1].function = KVM_CPUID_FEATURES;
	out[1].eax = BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_NOP_IO_DELAY) |
		     BIT(KVM_FEATURE_CLOCKSOURCE2);
	return 2;
}

/* Build the supported table; returns the number of entries. */
static int cpuid_build(struct kvm_cpuid_entry2 *out, int max)
{
	u32 max_basic = cpuid_eax(0), max_ext = cpuid_eax(0x80000000);
	int i, n = 0;
	u32 sub;

	for (i = 0; i < ARRAY_SIZE(cpuid_leaves); i++) {
		u32 fn = cpuid_leaves[i];

		if (fn < 0x80000000 ? fn > max_basic : fn > max_ext)
			continue;
		switch (fn) {
		case 4:		/* cache topology: subleaves until type 0 */
			for (sub = 0; sub < 8 && n < max; sub++) {
				cpuid_fill(&out[n], fn, sub, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
				if (!(out[n++].eax & 0x1f))
					break;
			}
			break;
		case 7:
			if (n < max)
				cpuid_fill(&out[n++], fn, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			break;
		case 0xd:
			for (sub = 0; sub < 3 && n < max; sub++)
				cpuid_fill(&out[n++], fn, sub, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			break;
		default:
			if (n < max)
				cpuid_fill(&out[n++], fn, 0, 0);
		}
		if (n >= max)
			return -E2BIG;
	}
	i = cpuid_kvm_leaves(out + n, max - n);
	return i < 0 ? i : n + i;
}

/**
 * minikvm_get_supported_cpuid() - KVM_GET_SUPPORTED_CPUID
 * @ucpuid: userspace struct kvm_cpuid2 with room for nent entries
 *
 * Return: 0 with nent updated; -E2BIG when nent is too small (KVM's
 * answer, userspace retries with more); -EFAULT.
 */
long minikvm_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 *tmp;
	int n;
	long ret = 0;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	tmp = kcalloc(MINIKVM_MAX_CPUID, sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	n = cpuid_build(tmp, MINIKVM_MAX_CPUID);
	if (n < 0 || n > hdr.nent) {
		ret = -E2BIG;
		goto out;
	}
	hdr.nent = n;
	if (copy_to_user(ucpuid, &hdr, sizeof(hdr)) ||
	    copy_to_user(ucpuid->entries, tmp, n * sizeof(*tmp)))
		ret = -EFAULT;
out:
	kfree(tmp);
	return ret;
}

/* @e is the vCPU's table, padding aside (KVM's kvm_cpuid_check_equal()). */
static bool cpuid_same(struct minikvm_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
		       unsigned int nent)
{
	unsigned int i;

	if (nent != vcpu->cpuid_nent)
		return false;
	for (i = 0; i < nent; i++) {
		const struct kvm_cpuid_entry2 *o = &vcpu->cpuid[i];

		if (e[i].function != o->function || e[i].index != o->index ||
		    e[i].flags != o->flags || e[i].eax != o->eax || e[i].ebx != o->ebx ||
		    e[i].ecx != o->ecx || e[i].edx != o->edx)
			return false;
	}
	return true;
}

/* Without KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT, CPUID.1:ECX.MWAIT follows the MSR. */
static void cpuid_follow_misc_enable(struct minikvm_vcpu *vcpu)
{
	unsigned int i;

	if (minikvm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT))
		return;
	for (i = 0; i < vcpu->cpuid_nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function != 1)
			continue;
		e->ecx &= ~BIT(X86_FEATURE_MWAIT & 31);
		if (vcpu->msr_misc_enable & MSR_IA32_MISC_ENABLE_MWAIT)
			e->ecx |= BIT(X86_FEATURE_MWAIT & 31);
	}
}

/**
 * minikvm_set_cpuid2() - KVM_SET_CPUID2: the vCPU's CPUID table
 * @vcpu: the vCPU
 * @ucpuid: userspace struct kvm_cpuid2
 *
 * Return: 0, -E2BIG above MINIKVM_MAX_CPUID entries (KVM: above its
 * KVM_MAX_CPUID_ENTRIES), -EFAULT, -ENOMEM.
 */
int minikvm_set_cpuid2(struct minikvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > MINIKVM_MAX_CPUID)
		return -E2BIG;
	if (hdr.nent) {
		e = vmemdup_user(ucpuid->entries, array_size(sizeof(*e), hdr.nent));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/*
	 * After the first KVM_RUN, as KVM 6.1: the same table again is
	 * accepted (VMMs that reuse vCPU fds set it again), any change is
	 * -EINVAL, since the guest may have cached what it read.
	 */
	if (vcpu->has_run) {
		bool same = cpuid_same(vcpu, e, hdr.nent);

		kvfree(e);
		return same ? 0 : -EINVAL;
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = hdr.nent;
	cpuid_follow_misc_enable(vcpu);
	minikvm_lapic_cpuid_changed(vcpu);
	return 0;
}

int minikvm_get_cpuid2(struct minikvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent)
		return -E2BIG;
	hdr.nent = vcpu->cpuid_nent;
	if (copy_to_user(ucpuid, &hdr, sizeof(hdr)) ||
	    copy_to_user(ucpuid->entries, vcpu->cpuid, hdr.nent * sizeof(*vcpu->cpuid)))
		return -EFAULT;
	return 0;
}

static const struct kvm_cpuid_entry2 *cpuid_lookup(struct minikvm_vcpu *vcpu, u32 fn, u32 idx)
{
	unsigned int i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

/**
 * minikvm_find_cpuid() - the entry a guest CPUID(fn, idx) returns
 * @vcpu: the vCPU whose table is searched
 * @fn: leaf (EAX)
 * @idx: subleaf (ECX)
 *
 * Intel CPUs answer a leaf above the maximum of its class (basic,
 * hypervisor, extended, Centaur) with the highest basic leaf (SDM Vol. 2A, "CPUID": "If a
 * value entered for CPUID.EAX is higher than the maximum input value...
 * the data for the highest basic information leaf is returned"); KVM does
 * the same with the table it was given. A missing leaf within range reads
 * as zeros.
 *
 * Return: the entry, or NULL for all-zero registers.
 */
const struct kvm_cpuid_entry2 *minikvm_find_cpuid(struct minikvm_vcpu *vcpu, u32 fn, u32 idx)
{
	const struct kvm_cpuid_entry2 *e = cpuid_lookup(vcpu, fn, idx), *basic, *class;
	u32 class_fn;

	if (e)
		return e;
	basic = cpuid_lookup(vcpu, 0, 0);
	/* AMD and Hygon return zeros instead ("Auth"enticAMD, "Hygo"nGenuine). */
	if (!basic || basic->ebx == 0x68747541 || basic->ebx == 0x6f677948)
		return NULL;
	if (fn >= 0x40000000 && fn <= 0x4fffffff)
		class_fn = fn & 0xffffff00;
	else if (fn >= 0xc0000000)
		class_fn = 0xc0000000;
	else
		class_fn = fn & 0x80000000;
	class = cpuid_lookup(vcpu, class_fn, 0);
	if (class && fn <= class->eax)
		return NULL;
	return cpuid_lookup(vcpu, basic->eax, idx);
}

/* Is @feature's bit set in register @reg of @e? */
static bool cpuid_entry_has(const struct kvm_cpuid_entry2 *e, enum cpuid_regs_idx reg,
			    unsigned int feature)
{
	const u32 regs[] = {
		[CPUID_EAX] = e->eax, [CPUID_EBX] = e->ebx,
		[CPUID_ECX] = e->ecx, [CPUID_EDX] = e->edx,
	};

	return regs[reg] & BIT(feature & 31);
}

/**
 * minikvm_cpuid_has() - does the vCPU's CPUID (KVM_SET_CPUID2) offer a feature?
 * @vcpu: the vCPU
 * @fn: the leaf (subleaf 0)
 * @reg: which register of it
 * @feature: an X86_FEATURE_* number; its bit in that register
 */
bool minikvm_cpuid_has(struct minikvm_vcpu *vcpu, u32 fn, enum cpuid_regs_idx reg,
		       unsigned int feature)
{
	const struct kvm_cpuid_entry2 *e = minikvm_find_cpuid(vcpu, fn, 0);

	/* Intel's out-of-range rule may answer another leaf: not this one. */
	if (!e || e->function != fn)
		return false;
	return cpuid_entry_has(e, reg, feature);
}

/**
 * minikvm_set_misc_enable() - write IA32_MISC_ENABLE
 * @vcpu: the vCPU
 * @data: the value, from the guest or the VMM
 *
 * As KVM: once KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT is off, a change of the
 * ENABLE_MWAIT bit shows in the guest's CPUID.1:ECX.MWAIT, and needs SSE3
 * in that CPUID.
 *
 * Return: 0, or 1 to refuse (#GP for the guest).
 */
int minikvm_set_misc_enable(struct minikvm_vcpu *vcpu, u64 data)
{
	bool follow = !minikvm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
		      ((vcpu->msr_misc_enable ^ data) & MSR_IA32_MISC_ENABLE_MWAIT);

	if (follow && !minikvm_cpuid_has(vcpu, 1, CPUID_ECX, X86_FEATURE_XMM3))
		return 1;
	vcpu->msr_misc_enable = data;
	if (follow)
		cpuid_follow_misc_enable(vcpu);
	return 0;
}

/**
 * minikvm_cpuid_supported() - does KVM_GET_SUPPORTED_CPUID offer a feature?
 * @fn: the leaf (subleaf 0)
 * @reg: which register of it
 * @feature: an X86_FEATURE_* number; its bit in that register
 *
 * What this host lets any guest have, whatever a vCPU's own table says.
 */
bool minikvm_cpuid_supported(u32 fn, enum cpuid_regs_idx reg, unsigned int feature)
{
	struct kvm_cpuid_entry2 e;

	cpuid_fill(&e, fn, 0, 0);
	return cpuid_entry_has(&e, reg, feature);
}
