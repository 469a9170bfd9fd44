// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on and off. minikvm holds VMX on only while at least one
 * VM exists, on every online CPU, so that kvm_intel (which does the same)
 * can be used in turn with minikvm loaded. CPUs coming online while VMs
 * exist are turned on by the hotplug callback; CPUs going offline first
 * VMCLEAR what they hold. A reboot turns VMX off everywhere.
 *
 * Environment: mvmx_vm_get()/mvmx_vm_put() in process context (VM create and
 * free); the per-CPU work runs on each CPU with interrupts off.
 * SDM references: Vol. 3C, "Enabling and Entering VMX Operation",
 * "Restrictions on VMX Operation", "Leaving VMX Operation".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/virtext.h>

#include "vmx/capability.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

struct vmx_cpu {
	void *vmxon_region;
	bool on;
	int error;		/* last VMXON failure on this CPU */
	struct list_head loaded_vmcss;
};
static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

static DEFINE_MUTEX(vmx_users_lock);
static unsigned int vmx_users;		/* VMs in existence */
static enum cpuhp_state vmx_cpuhp_state;
static bool vmx_rebooting;

/* Runs on one CPU with IRQs off. */
static int vmx_cpu_on(void)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	u64 pa = __pa(c->vmxon_region);
	u64 cr0 = read_cr0();
	u64 fc;

	if (c->on)
		return 0;
	/* Somebody else (kvm_intel, another hypervisor) owns VMX here. */
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;
	/*
	 * VMXON requires CR0 and CR4 to honour IA32_VMX_CR{0,4}_FIXED{0,1};
	 * Linux runs with PE, PG and NE set, so only VMXE needs adding, and a
	 * CPU that wants more is refused rather than reconfigured under the
	 * kernel's feet.
	 */
	if ((cr0 & mvmx_config.cr0_fixed0) != mvmx_config.cr0_fixed0 ||
	    (cr0 & ~mvmx_config.cr0_fixed1))
		return -EOPNOTSUPP;
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED) || !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return -EOPNOTSUPP;

	/* The VMXON region starts with the VMCS revision identifier. */
	*(u32 *)c->vmxon_region = mvmx_info.revision_id;
	cr4_set_bits(X86_CR4_VMXE);
	/* (%l[fail]) in parentheses: checkpatch reads ", %l" as a modulo. */
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fail]))
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	c->on = true;
	return 0;
fail:
	cr4_clear_bits(X86_CR4_VMXE);
	return -EIO;
}

static void vmx_cpu_off(void)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);

	if (!c->on)
		return;
	mvmx_clear_loaded_vmcss(smp_processor_id());
	/* VMXOFF can fault only if VMX is already off (reboot path raced). */
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : : "cc", "memory" : fault);
fault:
	cr4_clear_bits(X86_CR4_VMXE);
	c->on = false;
}

static void vmx_cpu_on_ipi(void *unused)
{
	this_cpu_ptr(&vmx_cpu)->error = vmx_cpu_on();
}

static void vmx_cpu_off_ipi(void *unused)
{
	vmx_cpu_off();
}

struct list_head *mvmx_loaded_vmcss(int cpu)
{
	return &per_cpu(vmx_cpu, cpu).loaded_vmcss;
}

/**
 * mvmx_vm_get() - a VM is being created: make sure VMX is on everywhere
 *
 * Return: 0, -EBUSY when another hypervisor holds VMX on some CPU, or
 * -EIO/-EOPNOTSUPP when VMXON fails; then every CPU is turned off again.
 */
int mvmx_vm_get(void)
{
	int cpu, ret = 0;

	mutex_lock(&vmx_users_lock);
	if (vmx_rebooting) {
		ret = -EIO;
		goto out;
	}
	if (vmx_users++)
		goto out;
	cpus_read_lock();
	on_each_cpu(vmx_cpu_on_ipi, NULL, 1);
	for_each_online_cpu(cpu) {
		ret = per_cpu(vmx_cpu, cpu).error;
		if (ret) {
			pr_warn("VMXON failed on CPU %d (%d)%s\n", cpu, ret,
				ret == -EBUSY ? ": VMX in use by another hypervisor" : "");
			on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
			vmx_users = 0;
			break;
		}
	}
	cpus_read_unlock();
out:
	mutex_unlock(&vmx_users_lock);
	return ret;
}

/* The last VM is gone: turn VMX off on every CPU. */
void mvmx_vm_put(void)
{
	mutex_lock(&vmx_users_lock);
	if (!WARN_ON_ONCE(!vmx_users) && !--vmx_users) {
		cpus_read_lock();
		on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
		cpus_read_unlock();
	}
	mutex_unlock(&vmx_users_lock);
}

/* CPU hotplug: runs on the CPU concerned, IRQs on, hotplug lock held. */
static int vmx_cpu_online(unsigned int cpu)
{
	int ret = 0;

	if (READ_ONCE(vmx_users)) {
		local_irq_disable();
		ret = vmx_cpu_on();
		local_irq_enable();
		if (ret)
			pr_warn("VMXON failed on CPU %u coming online (%d)\n", cpu, ret);
	}
	return ret;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	vmx_cpu_off();
	local_irq_enable();
	return 0;
}

/*
 * VMX blocks INIT, which a reboot uses to reset the other CPUs: turn it
 * off everywhere first, while vCPU threads may still be running. Their
 * later VMX instructions raise #UD and are caught by the exception-table
 * entries in vmx_ops.h (mvmx_insn_fault(), silent once vmx_rebooting is
 * set) and vmenter.S (the entry fails: KVM_RUN returns
 * KVM_EXIT_FAIL_ENTRY), and mvmx_vm_get() refuses new VMs.
 */
static int vmx_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	WRITE_ONCE(vmx_rebooting, true);
	on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

/* True once the reboot notifier has started turning VMX off. */
bool mvmx_is_rebooting(void)
{
	return READ_ONCE(vmx_rebooting);
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot,
};

/**
 * mvmx_hardware_setup() - allocate per-CPU VMXON regions, hook hotplug
 * and reboot. Called once at module load, after mvmx_probe().
 *
 * Return: 0 or -errno.
 */
int mvmx_hardware_setup(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = &per_cpu(vmx_cpu, cpu);
		struct page *page = alloc_pages_node(cpu_to_node(cpu),
						     GFP_KERNEL | __GFP_ZERO, 0);

		INIT_LIST_HEAD(&c->loaded_vmcss);
		if (!page) {
			ret = -ENOMEM;
			goto err;
		}
		c->vmxon_region = page_address(page);
	}
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "minikvm/vmx:online",
				vmx_cpu_online, vmx_cpu_offline);
	if (ret < 0)
		goto err;
	vmx_cpuhp_state = ret;
	/*
	 * No cpu_emergency_register_virt_callback(): the kernel keeps a single
	 * slot that kvm_intel claims at its load, and minikvm must load beside
	 * it. The emergency path still does VMXOFF itself (virtext.h); only the
	 * VMCLEAR of cached VMCSs for a kdump kernel is not done.
	 */
	register_reboot_notifier(&vmx_reboot_nb);
	return 0;
err:
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = &per_cpu(vmx_cpu, cpu);

		if (c->vmxon_region)
			free_page((unsigned long)c->vmxon_region);
		c->vmxon_region = NULL;
	}
	return ret;
}

void mvmx_hardware_unsetup(void)
{
	int cpu;

	unregister_reboot_notifier(&vmx_reboot_nb);
	cpuhp_remove_state(vmx_cpuhp_state);
	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(vmx_cpu, cpu).vmxon_region);
		per_cpu(vmx_cpu, cpu).vmxon_region = NULL;
	}
}
