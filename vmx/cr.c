// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CR0, CR4 and EFER: what the guest sees, what the CPU runs
 * with, and which bits the host keeps for itself.
 *
 * SDM Vol. 3C, "Guest/Host Masks and Read Shadows for CR0 and CR4": for a
 * bit set in the guest/host mask, guest reads return the read shadow and
 * guest writes that would change it exit (mvmx_handle_cr_access()).
 *
 * CR0: the host owns the bits VMX forces (IA32_VMX_CR0_FIXED*), CD/NW
 * (the guest keeps caching on; EPT memory types rule), PG (it switches
 * IA-32e mode, an entry control) and PE; the guest owns the rest (TS, MP,
 * EM, AM, WP, ...) and changes them without an exit.
 * CR4: the guest owns only the bits any guest may set and that need no
 * host work (CR4_GUEST_OWNED); every other bit is the host's, so a guest
 * can set it only through mvmx_set_cr4(), which refuses what the vCPU's
 * CPUID does not offer (PCIDE without PCID, ...), as KVM, and PKE always.
 *
 * So the cached vmx->cr0/cr4 are exact only for the host's bits: the
 * guest's current CR0 and CR4 are mvmx_read_cr0()/mvmx_read_cr4(), which
 * take the guest-owned bits from the VMCS (KVM's kvm_read_cr0_bits()).
 *
 * Environment: vCPU loaded.
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

#define CR0_HOST_OWNED	(X86_CR0_PE | X86_CR0_PG | X86_CR0_CD | X86_CR0_NW | X86_CR0_NE)
#define CR4_GUEST_OWNED	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_TSD | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_PGE)

/* CR4 bits every vCPU may set (SDM Vol. 3A, "CR4"); the rest need CPUID. */
#define CR4_ALWAYS_VALID (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
			  X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
			  X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/*
 * CR4 bits valid only when the vCPU's CPUID has the feature. PKE is not
 * among them: minikvm does not switch PKRU around entries, so CR4.PKE is
 * refused even where a VMM's CPUID offers PKU. The guest can then never
 * execute WRPKRU (#UD without CR4.PKE), and the VMM thread's PKRU, which
 * stays in the CPU while the guest runs, cannot be read or changed by it.
 */
static const struct {
	unsigned long cr4;
	u32 function;
	enum cpuid_regs_idx reg;
	unsigned int feature;
} cr4_cpuid_bits[] = {
	{ X86_CR4_PCIDE,	1, CPUID_ECX, X86_FEATURE_PCID },
	{ X86_CR4_FSGSBASE,	7, CPUID_EBX, X86_FEATURE_FSGSBASE },
	{ X86_CR4_SMEP,		7, CPUID_EBX, X86_FEATURE_SMEP },
	{ X86_CR4_SMAP,		7, CPUID_EBX, X86_FEATURE_SMAP },
	{ X86_CR4_UMIP,		7, CPUID_ECX, X86_FEATURE_UMIP },
	{ X86_CR4_LA57,		7, CPUID_ECX, X86_FEATURE_LA57 },
};

/* Unrestricted guest lifts the PE and PG requirement (SDM "VMX-Fixed Bits"). */
static unsigned long vmx_cr0_fixed0(void)
{
	return mvmx_config.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
}

bool mvmx_is_long_mode(struct minikvm_vcpu *vcpu)
{
	return vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
}

static void vmx_update_ia32e_mode(struct minikvm_vcpu *vcpu, u64 efer)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 entry = vmx->ctls.entry;

	/* SDM Vol. 3C, "Checks on Guest Control Registers...": IA-32e mode guest == EFER.LMA. */
	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	else
		entry &= ~VM_ENTRY_IA32E_MODE;
	if (entry != vmx->ctls.entry) {
		vmx->ctls.entry = entry;
		vmcs_write32(VM_ENTRY_CONTROLS, entry);
	}
}

/* EFER as given (LMA included): KVM_SET_SREGS and reset. */
int mvmx_set_efer(struct minikvm_vcpu *vcpu, u64 efer)
{
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmx_update_ia32e_mode(vcpu, efer);
	return 0;
}

/**
 * mvmx_load_pdptrs() - copy the four PAE PDPTEs into the VMCS
 * @vcpu: the loaded vCPU
 *
 * SDM Vol. 3C, "Loading Guest Control Registers...": with EPT, VM entry
 * into PAE paging (CR0.PG=1, CR4.PAE=1, EFER.LMA=0) takes the PDPTEs from
 * the GUEST_PDPTRn fields, not from memory, so they are read here
 * whenever the guest enters PAE paging through an exit or an ioctl. (A
 * guest MOV to CR3 does not exit; the CPU reloads them itself then.)
 *
 * Return: 0, or -EFAULT when CR3 points outside guest memory.
 */
int mvmx_load_pdptrs(struct minikvm_vcpu *vcpu)
{
	u64 pdpte[4];

	if (mvmx_read_pdptes(vcpu, vmcs_readl(GUEST_CR3), pdpte))
		return -EFAULT;
	mvmx_write_pdptes(pdpte);
	return 0;
}

void mvmx_write_pdptes(const u64 pdpte[4])
{
	vmcs_write64(GUEST_PDPTR0, pdpte[0]);
	vmcs_write64(GUEST_PDPTR1, pdpte[1]);
	vmcs_write64(GUEST_PDPTR2, pdpte[2]);
	vmcs_write64(GUEST_PDPTR3, pdpte[3]);
}

/* The four PDPTEs a PAE CR3 points to; -EFAULT outside guest memory. */
int mvmx_read_pdptes(struct minikvm_vcpu *vcpu, unsigned long cr3, u64 pdpte[4])
{
	return mmu_read_guest(vcpu->vm, cr3 & ~0x1ful, pdpte, 4 * sizeof(u64)) ? -EFAULT : 0;
}

static bool vmx_is_pae_paging(struct minikvm_vcpu *vcpu)
{
	return (to_vmx(vcpu)->cr0 & X86_CR0_PG) && (to_vmx(vcpu)->cr4 & X86_CR4_PAE) &&
	       !mvmx_is_long_mode(vcpu);
}

/* CR0 values no CPU takes: reserved bits, PG without PE, NW without CD. */
bool mvmx_cr0_invalid(unsigned long cr0)
{
	return cr0 >> 32 || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	       ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD));
}

/**
 * mvmx_set_cr0() - a new guest CR0, from MOV CR0 or KVM_SET_SREGS
 * @vcpu: the loaded vCPU
 * @cr0: the value the guest sees
 *
 * Return: 0, or -EINVAL for a value the architecture refuses with #GP
 * (SDM Vol. 3A, "CR0": PG without PE, NW without CD, reserved bits, paging
 * in long mode without PAE).
 */
int mvmx_set_cr0(struct minikvm_vcpu *vcpu, unsigned long cr0)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long old = vmx->cr0;
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	cr0 |= X86_CR0_ET;
	if (mvmx_cr0_invalid(cr0))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME) &&
	    !(vmx->cr4 & X86_CR4_PAE))
		return -EINVAL;

	vmx->cr0_host_mask = CR0_HOST_OWNED | vmx_cr0_fixed0() | ~mvmx_config.cr0_fixed1;
	vmx->cr0 = cr0;
	vmcs_writel(CR0_GUEST_HOST_MASK, vmx->cr0_host_mask);
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | vmx_cr0_fixed0());

	/* Paging switched with EFER.LME set: entering or leaving long mode. */
	if ((old ^ cr0) & X86_CR0_PG && (efer & EFER_LME)) {
		efer = (cr0 & X86_CR0_PG) ? efer | EFER_LMA : efer & ~EFER_LMA;
		mvmx_set_efer(vcpu, efer);
	}
	if ((old ^ cr0) & X86_CR0_PG && vmx_is_pae_paging(vcpu))
		return mvmx_load_pdptrs(vcpu) ? -EINVAL : 0;
	return 0;
}

/**
 * mvmx_guest_has_xsave() - may the guest enable XSAVE (CR4.OSXSAVE)?
 * @vcpu: the vCPU
 *
 * Only when its CPUID (KVM_SET_CPUID2) has CPUID.1:ECX.XSAVE and the host
 * kernel runs with XSAVE on: a kernel that turned XSAVE off at boot runs
 * with CR4.OSXSAVE clear, where XGETBV and XSETBV are #UD, so XCR0 could
 * not be switched around entries. KVM makes CR4.OSXSAVE reserved on the
 * same two conditions (__cr4_reserved_bits(), guest and host).
 */
bool mvmx_guest_has_xsave(struct minikvm_vcpu *vcpu)
{
	return boot_cpu_has(X86_FEATURE_XSAVE) &&
	       minikvm_cpuid_has(vcpu, 1, CPUID_ECX, X86_FEATURE_XSAVE);
}

/*
 * The CR4 bits this vCPU may set: always valid, or offered by its CPUID.
 * Before its first KVM_SET_CPUID2 a vCPU has no CPUID of its own, and, as
 * in KVM (whose cr4_guest_rsvd_bits are computed by KVM_SET_CPUID2 only),
 * it may set every bit this host supports; Linux's set_sregs_test
 * depends on that.
 */
static unsigned long mvmx_cr4_valid_bits(struct minikvm_vcpu *vcpu)
{
	unsigned long valid = CR4_ALWAYS_VALID;
	bool own = vcpu->cpuid_nent;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cr4_cpuid_bits); i++) {
		u32 fn = cr4_cpuid_bits[i].function;
		enum cpuid_regs_idx reg = cr4_cpuid_bits[i].reg;
		unsigned int feature = cr4_cpuid_bits[i].feature;

		if (own ? minikvm_cpuid_has(vcpu, fn, reg, feature) :
			  minikvm_cpuid_supported(fn, reg, feature))
			valid |= cr4_cpuid_bits[i].cr4;
	}
	if (own ? mvmx_guest_has_xsave(vcpu) :
		  minikvm_cpuid_supported(1, CPUID_ECX, X86_FEATURE_XSAVE))
		valid |= X86_CR4_OSXSAVE;
	return valid;
}

/* The guest's CR0 now: the host's bits cached, the guest's from the VMCS. */
unsigned long mvmx_read_cr0(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return (vmx->cr0 & vmx->cr0_host_mask) |
	       (vmcs_readl(GUEST_CR0) & ~vmx->cr0_host_mask);
}

unsigned long mvmx_read_cr4(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	return (vmx->cr4 & vmx->cr4_host_mask) |
	       (vmcs_readl(GUEST_CR4) & ~vmx->cr4_host_mask);
}

/*
 * CR4 values this vCPU may not have with this EFER: VMXE and SMXE (no
 * nested VMX), bits its CPUID does not offer or the CPU cannot run with
 * (IA32_VMX_CR4_FIXED1), and PAE clear in long mode.
 */
bool mvmx_cr4_invalid(struct minikvm_vcpu *vcpu, unsigned long cr4, u64 efer)
{
	if (cr4 & (X86_CR4_VMXE | X86_CR4_SMXE) || (cr4 & ~mvmx_config.cr4_fixed1))
		return true;
	if (cr4 & ~mvmx_cr4_valid_bits(vcpu))
		return true;
	return (efer & EFER_LMA) && !(cr4 & X86_CR4_PAE);
}

/**
 * mvmx_set_cr4() - a new guest CR4, from MOV CR4 or KVM_SET_SREGS
 * @vcpu: the loaded vCPU
 * @cr4: the value the guest sees
 *
 * Return: 0, or -EINVAL for bits the guest may not set (VMXE and SMXE:
 * no nested VMX; a bit whose feature the vCPU's CPUID lacks, such as
 * OSXSAVE without mvmx_guest_has_xsave(); anything the CPU cannot run
 * with) or clearing PAE in long mode.
 */
int mvmx_set_cr4(struct minikvm_vcpu *vcpu, unsigned long cr4)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long old = vmx->cr4;

	if (mvmx_cr4_invalid(vcpu, cr4, vmcs_read64(GUEST_IA32_EFER)))
		return -EINVAL;

	vmx->cr4_host_mask = ~(unsigned long)CR4_GUEST_OWNED;
	vmx->cr4 = cr4;
	vmcs_writel(CR4_GUEST_HOST_MASK, vmx->cr4_host_mask);
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, cr4 | mvmx_config.cr4_fixed0);
	if ((old ^ cr4) & X86_CR4_PAE && vmx_is_pae_paging(vcpu))
		return mvmx_load_pdptrs(vcpu) ? -EINVAL : 0;
	return 0;
}
