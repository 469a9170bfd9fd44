// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where VMX control bits are chosen. Each control word is
 * "what minikvm needs" plus "what it uses when present", adjusted against
 * the (TRUE_) capability MSR read by the probe (vmx_adjust_controls() in
 * controls.h). A required bit the CPU lacks fails the module load with
 * the bit named, instead of a VM-entry failure much later.
 *
 * Environment: module init.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kvm.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "vmx/capability.h"
#include "vmx/controls.h"
#include "vmx/speculation.h"
#include "vmx/vmx.h"

struct mvmx_config mvmx_config;

/*
 * External interrupts and NMIs always exit: they belong to the host.
 * Interrupts are not acknowledged on exit (no VM_EXIT_ACK_INTR_ON_EXIT),
 * so they stay pending in the local APIC and the host takes them through
 * its own IDT as soon as mvmx_vcpu_run() enables interrupts again.
 */
#define PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
#define PIN_OPTIONAL	(PIN_BASED_VIRTUAL_NMIS)

/*
 * I/O always exits (no I/O bitmaps: every port belongs to userspace).
 * CR8 exits because without a TPR shadow a guest CR8 write would reach
 * the host's real TPR. MOV DR exits so the guest cannot change the host's
 * debug registers. RDPMC exits: there is no vPMU. MONITOR and MWAIT exit
 * and are NOPs (exit_insn.c): a guest must not sleep a host CPU in MWAIT.
 * No CR3 or INVLPG exiting: EPT handles both.
 */
#define PROC_REQUIRED	(CPU_BASED_HLT_EXITING | CPU_BASED_CR8_LOAD_EXITING |	\
			 CPU_BASED_CR8_STORE_EXITING | CPU_BASED_UNCOND_IO_EXITING | \
			 CPU_BASED_MOV_DR_EXITING | CPU_BASED_USE_MSR_BITMAPS |	\
			 CPU_BASED_RDPMC_EXITING | CPU_BASED_MWAIT_EXITING |	\
			 CPU_BASED_MONITOR_EXITING | CPU_BASED_USE_TSC_OFFSETTING | \
			 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
#define PROC_OPTIONAL	0

#define PROC2_REQUIRED	(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define PROC2_OPTIONAL	(SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING)

/* EFER and PAT are switched by the CPU itself: no MSR-load lists. */
#define EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |	\
			 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |	\
			 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS)
#define EXIT_OPTIONAL	0

#define ENTRY_REQUIRED	(VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |	\
			 VM_ENTRY_LOAD_DEBUG_CONTROLS)
#define ENTRY_OPTIONAL	0

static int vmx_adjust_one(const char *name, u32 required, u32 optional, u64 cap, u32 *out)
{
	u32 missing = vmx_adjust_controls(required, optional, cap, out);

	if (missing) {
		pr_err("CPU lacks required %s controls %#x\n", name, missing);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * mvmx_setup_config() - compute every VMCS control word once
 *
 * Return: 0, or -EOPNOTSUPP naming the missing control bits.
 */
int mvmx_setup_config(void)
{
	struct vmx_controls *c = &mvmx_config.ctls;
	int ret;

	ret = vmx_adjust_one("pin-based", PIN_REQUIRED, PIN_OPTIONAL, mvmx_info.pinbased, &c->pin) ?:
	      vmx_adjust_one("primary processor-based", PROC_REQUIRED, PROC_OPTIONAL,
			     mvmx_info.procbased, &c->proc) ?:
	      vmx_adjust_one("secondary processor-based", PROC2_REQUIRED, PROC2_OPTIONAL,
			     mvmx_info.procbased2, &c->proc2) ?:
	      vmx_adjust_one("VM-exit", EXIT_REQUIRED, EXIT_OPTIONAL, mvmx_info.exit, &c->exit) ?:
	      vmx_adjust_one("VM-entry", ENTRY_REQUIRED, ENTRY_OPTIONAL, mvmx_info.entry, &c->entry);
	if (ret)
		return ret;
	/*
	 * Interrupt-window exiting exists on every VT-x CPU; NMI-window
	 * exiting needs virtual NMIs (SDM Vol. 3C, "VM-Execution Control
	 * Fields"). Neither is set here: they are armed while an event waits.
	 */
	mvmx_config.proc_windows = vmx_cap_may_be_one(mvmx_info.procbased) &
				   CPU_BASED_INTR_WINDOW_EXITING;
	if (!mvmx_config.proc_windows) {
		pr_err("CPU lacks interrupt-window exiting\n");
		return -EOPNOTSUPP;
	}
	if (c->pin & PIN_BASED_VIRTUAL_NMIS)
		mvmx_config.proc_windows |= vmx_cap_may_be_one(mvmx_info.procbased) &
					    CPU_BASED_NMI_WINDOW_EXITING;

	/*
	 * Intercepted exceptions, as KVM does: #DB and #AC so that a guest
	 * whose handler raises the same exception again during its own
	 * delivery exits each time instead of looping inside the CPU with
	 * no VM exit (CVE-2015-8104, CVE-2015-5307: a hung host CPU), and
	 * #MC so that a machine check reaches the host's handler, not the
	 * guest's IDT. Everything else is delivered through the guest IDT.
	 */
	c->exception_bitmap = BIT(DB_VECTOR) | BIT(AC_VECTOR) | BIT(MC_VECTOR);

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, mvmx_config.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, mvmx_config.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, mvmx_config.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, mvmx_config.cr4_fixed1);
	mvmx_setup_speculation();
	return 0;
}
