// SPDX-License-Identifier: GPL-2.0
/*
 * The two EPT exits, decoded for the MMU: VT-x says in its own terms what
 * the guest touched, and mmu/ is told in vendor-neutral ones.
 *
 *  - EPT violation (reason 48): the exit qualification's access bits
 *    become KVM's page-fault error-code bits (PFERR_* of <asm/kvm_host.h>)
 *    for mmu_page_fault() (mmu/ept_violation.c).
 *  - EPT misconfiguration (reason 49): an access to a page the MMU marked
 *    as MMIO; mmu_mmio_fault() (mmu/ept_misconfig.c) takes it from there.
 *
 * SDM Vol. 3C, "Exit Qualification for EPT Violations".
 *
 * Environment: vCPU thread, preemptible, vCPU loaded.
 */
#include <linux/kvm_host.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "core/observe.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

/* Exit-qualification bit -> page-fault error-code bit. */
static const struct {
	unsigned long qual;
	u64 pferr;
} ept_access_bits[] = {
	{ EPT_VIOLATION_ACC_WRITE,	PFERR_WRITE_MASK },
	{ EPT_VIOLATION_ACC_INSTR,	PFERR_FETCH_MASK },
	{ EPT_VIOLATION_RWX_MASK,	PFERR_PRESENT_MASK },	/* the EPT allowed something */
};

/*
 * Bit 12 of the qualification: the violation hit an IRET that had
 * unblocked NMIs; with virtual NMIs the VMM must block them again before
 * resuming.
 */
static void ept_restore_nmi_blocking(struct vmx_vcpu *vmx)
{
	if ((vmx->exit.qualification & INTR_INFO_UNBLOCK_NMI) &&
	    (vmx->ctls.pin & PIN_BASED_VIRTUAL_NMIS) &&
	    !(vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		vmcs_set_bits32(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
}

int mvmx_handle_ept_violation(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	u64 access = 0;
	unsigned int i;

	minikvm_note_ept_violation(vcpu, gpa, vmx->exit.qualification);
	ept_restore_nmi_blocking(vmx);
	for (i = 0; i < ARRAY_SIZE(ept_access_bits); i++)
		if (vmx->exit.qualification & ept_access_bits[i].qual)
			access |= ept_access_bits[i].pferr;
	return mmu_page_fault(vcpu, gpa, access);
}

int mvmx_handle_ept_misconfig(struct minikvm_vcpu *vcpu)
{
	return mmu_mmio_fault(vcpu, vmcs_read64(GUEST_PHYSICAL_ADDRESS));
}
