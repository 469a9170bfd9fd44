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
#include <linux/moduleparam.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "irq/apic.h"
#include "vmx/capability.h"
#include "vmx/controls.h"
#include "vmx/apicv_names.h"
#include "vmx/speculation.h"
#include "vmx/vmx.h"

struct mvmx_config mvmx_config;

/*
 * enable_apicv=0 turns APIC virtualization off for the life of the
 * module: every LAPIC access exits and every interrupt is injected, the
 * path a CPU without it takes (tools/testvm runs the irqchip's tests
 * both ways).
 */
static bool enable_apicv = true;
module_param(enable_apicv, bool, 0444);
MODULE_PARM_DESC(enable_apicv,
		 "Use the CPU's APIC virtualization for the in-kernel LAPIC when it has it (default 1)");

/*
 * enable_vid: virtual-interrupt delivery on top of the TPR shadow (with
 * enable_apicv, where the CPU has it). -1, the default: only on a CPU
 * that also has posted-interrupt processing, which then comes with it;
 * KVM has the same rule for APICv as a whole. That leaves it off on the
 * Bochs test VM, which lacks posted interrupts and delivers a virtual
 * interrupt to a guest with IF=0 when a host interrupt is pending, which
 * deadlocks the 2-vCPU nested Linux now and then
 * (Documentation/interrupts.rst). 1: wherever the CPU has it (the test
 * VM's VID pass). 0: never.
 */
static int enable_vid = -1;
module_param(enable_vid, int, 0444);
MODULE_PARM_DESC(enable_vid,
		 "With enable_apicv, use virtual-interrupt delivery: 1 where the CPU has it, 0 never, -1 (default) only with posted-interrupt processing");

/*
 * enable_x2apic_virt=1 adds virtualize-x2APIC mode to virtual-interrupt
 * delivery (vmx_setup_apicv() below). Off by default: with it and
 * enable_vid=1, the 2-vCPU nested Linux in the Bochs test VM (x2APIC
 * mode) passed 1 of 4 boots on 2026-11-30 (two stopped with a vCPU in a
 * PAUSE loop, one in a page-fault storm), against 2 of 2 with it off;
 * Bochs's own flaws with virtual interrupts are not ruled out, nor is
 * minikvm (Documentation/interrupts.rst). The test VM's VID pass turns
 * it on for the LAPIC's selftests.
 */
static bool enable_x2apic_virt;
module_param(enable_x2apic_virt, bool, 0444);
MODULE_PARM_DESC(enable_x2apic_virt,
		 "With virtual-interrupt delivery, also virtualize x2APIC mode (default 0)");

/*
 * External interrupts and NMIs always exit: they belong to the host.
 * The exit acknowledges the interrupt (VM_EXIT_ACK_INTR_ON_EXIT, below),
 * and mvmx_vcpu_run() hands it to the host's handler before it enables
 * interrupts again (vmx_host_interrupt()), as KVM does; posted-interrupt
 * processing requires it (SDM Vol. 3C, "Checks on VM-Execution Control
 * Fields").
 */
#define PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
#define PIN_OPTIONAL	(PIN_BASED_VIRTUAL_NMIS)

/*
 * I/O always exits (no I/O bitmaps: every port belongs to userspace).
 * CR8 exits by default because without a TPR shadow a guest CR8 write
 * would reach the host's real TPR (and without an in-kernel LAPIC the
 * VMM's CR8 is vcpu->cr8); mvmx_apicv_setup() lifts it for a vCPU whose
 * LAPIC is in the kernel and gets a TPR shadow. MOV DR exits so the guest cannot change the host's
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
/*
 * PAUSE-loop exiting: a guest vCPU that spins with PAUSE (a lock, or
 * waiting for another vCPU to answer an IPI) longer than ple_window TSC
 * ticks exits, and mvmx_handle_pause() gives the host CPU to another
 * task (KVM's defaults: gap 128, window 4096). Without it, a vCPU that
 * waits for a vCPU thread queued on its own host CPU spins until the
 * host's next interrupt preempts it; ple_gap=0 turns it off.
 */
#define PROC2_OPTIONAL	(SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING | \
			 SECONDARY_EXEC_PAUSE_LOOP_EXITING)

static unsigned int ple_gap = 128;
module_param(ple_gap, uint, 0444);
MODULE_PARM_DESC(ple_gap, "PAUSE-loop exiting: most TSC ticks between two PAUSEs of one loop (0: off; default 128)");

static unsigned int ple_window = 4096;
module_param(ple_window, uint, 0444);
MODULE_PARM_DESC(ple_window, "PAUSE-loop exiting: TSC ticks a loop may spin before it exits (default 4096)");

/*
 * EFER and PAT are switched by the CPU itself: no MSR-load lists. The
 * exit acknowledges an external interrupt (see PIN_REQUIRED).
 */
#define EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |	\
			 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |	\
			 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS |	\
			 VM_EXIT_ACK_INTR_ON_EXIT)
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

/*
 * APIC virtualization, for vCPUs with the in-kernel LAPIC only (a vCPU
 * without one keeps the controls above): what the CPU offers of it,
 * unless enable_apicv=0. Each level needs the one before, as in the
 * SDM's checks on VM-execution control fields (Vol. 3C, "VM-Execution
 * Control Fields"):
 *  - TPR shadow: the LAPIC's register page is the virtual-APIC page, so
 *    MOV to/from CR8 reads and writes its TPR with no exit, and the TPR
 *    threshold makes the one exit that matters (a TPR lowered below a
 *    waiting interrupt's priority class); CR8-load/store exiting goes,
 *    when the CPU lets them be 0.
 *  - virtual-interrupt delivery, by default only with posted-interrupt
 *    processing, always with enable_vid=1 (needs the TPR shadow;
 *    external-interrupt exiting is always on, as it also requires): the
 *    CPU delivers the LAPIC's interrupts from the page's IRR itself, RVI
 *    and SVI in the guest interrupt status.
 *  - posted-interrupt processing (needs virtual-interrupt delivery and
 *    acknowledge-interrupt-on-exit): an interrupt posted to a vCPU in
 *    guest mode reaches it with no VM exit. The Bochs test VM lacks it.
 *  - APIC-register virtualization, with virtual-interrupt delivery: the
 *    guest's register reads come from the page, without exits.
 *  - virtualize APIC accesses, with register virtualization: the xAPIC
 *    page's accesses are served from the page, or exit with what they
 *    did (vmx/apicv.c), instead of each being an EPT violation and an
 *    instruction decode.
 *  - virtualize x2APIC mode, with virtual-interrupt delivery and
 *    enable_x2apic_virt=1: while the guest's APIC is in x2APIC mode its
 *    TPR, EOI and SELF IPI MSRs are virtualized on the page, and with
 *    register virtualization its RDMSRs are served from it.
 */
static void vmx_setup_apicv(void)
{
	u32 proc_may = vmx_cap_may_be_one(mvmx_info.procbased);
	u32 proc_must = vmx_cap_must_be_one(mvmx_info.procbased);
	u32 proc2_may = vmx_cap_may_be_one(mvmx_info.procbased2);
	struct mvmx_apicv *a = &mvmx_config.apicv;
	bool posted;
	char buf[128];
	int i, len = 0;

	memset(a, 0, sizeof(*a));
	if (!enable_apicv || !(proc_may & CPU_BASED_TPR_SHADOW))
		goto out;
	a->mode |= MINIKVM_APICV_TPR_SHADOW;
	a->proc_set = CPU_BASED_TPR_SHADOW;
	a->proc_clear = (CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING) & ~proc_must;
	if (!enable_vid || !(proc2_may & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) ||
	    !(mvmx_config.ctls.pin & PIN_BASED_EXT_INTR_MASK))
		goto out;
	/*
	 * Posted-interrupt processing: with virtual-interrupt delivery and
	 * the exit's acknowledgement (EXIT_REQUIRED), and a host vector to
	 * notify with (irq/apic.h).
	 */
	posted = MINIKVM_PI_NOTIFY_VECTOR &&
		 (vmx_cap_may_be_one(mvmx_info.pinbased) & PIN_BASED_POSTED_INTR);
	if (enable_vid < 0 && !posted)
		goto out;
	a->mode |= MINIKVM_APICV_VID;
	a->proc2_set = SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
	if (posted) {
		a->mode |= MINIKVM_APICV_POSTED;
		a->pin_set = PIN_BASED_POSTED_INTR;
	}
	/* Register reads from the page: VID keeps its PPR current. */
	if (proc2_may & SECONDARY_EXEC_APIC_REGISTER_VIRT) {
		a->mode |= MINIKVM_APICV_REG_VIRT;
		a->proc2_set |= SECONDARY_EXEC_APIC_REGISTER_VIRT;
	}
	/*
	 * The two controls below follow the guest's APIC mode, never both
	 * on (apicv.c, mvmx_apic_mode_changed()): virtualized accesses to
	 * the xAPIC page, with register virtualization, and virtualized
	 * x2APIC MSRs.
	 */
	if ((a->mode & MINIKVM_APICV_REG_VIRT) &&
	    (proc2_may & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES))
		a->mode |= MINIKVM_APICV_APIC_ACCESS;
	if (enable_x2apic_virt && (proc2_may & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE))
		a->mode |= MINIKVM_APICV_X2APIC;
out:
	mvmx_info.apicv = a->mode;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(apicv_mode_names); i++)
		if (a->mode & apicv_mode_names[i].bit)
			len += scnprintf(buf + len, sizeof(buf) - len, " %s", apicv_mode_names[i].name);
	pr_info("APIC virtualization (enable_apicv=%d enable_vid=%d):%s\n", enable_apicv,
		enable_vid, a->mode ? buf : " off");
}

/**
 * mvmx_setup_config() - compute every VMCS control word once
 *
 * Return: 0, or -EOPNOTSUPP naming the missing control bits.
 */
int mvmx_setup_config(void)
{
	struct vmx_controls *c = &mvmx_config.ctls;
	struct desc_ptr idt;
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
	if (!ple_gap)
		c->proc2 &= ~SECONDARY_EXEC_PAUSE_LOOP_EXITING;
	mvmx_config.ple_gap = ple_gap;
	mvmx_config.ple_window = ple_window;
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
	vmx_setup_apicv();

	/*
	 * Intercepted exceptions, as KVM does: #DB and #AC so that a guest
	 * whose handler raises the same exception again during its own
	 * delivery exits each time instead of looping inside the CPU with
	 * no VM exit (CVE-2015-8104, CVE-2015-5307: a hung host CPU), and
	 * #MC so that a machine check reaches the host's handler, not the
	 * guest's IDT. Everything else is delivered through the guest IDT.
	 */
	c->exception_bitmap = BIT(DB_VECTOR) | BIT(AC_VECTOR) | BIT(MC_VECTOR);

	/* One IDT serves every CPU: vmx_host_interrupt() enters its gates. */
	store_idt(&idt);
	mvmx_config.host_idt_base = idt.address;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, mvmx_config.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, mvmx_config.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, mvmx_config.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, mvmx_config.cr4_fixed1);
	mvmx_setup_speculation();
	return 0;
}
