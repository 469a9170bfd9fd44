// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time probe of VT-x: is VMX there, is it enabled by firmware, and
 * what do the capability MSRs allow. Nothing here turns VMX on: VMXON is
 * done only while a VM exists, so kvm_intel can be loaded beside minikvm.
 *
 * Environment: module init, process context, may sleep.
 * SDM references are to the Intel SDM, Vol. 3C/3D (2024 edition titles).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/vmx.h>
#include <asm/processor.h>

#include "core/vendor.h"
#include "vmx/capability.h"
#include "vmx/controls.h"
#include "vmx/feature_names.h"

struct minikvm_vmx_info mvmx_info;

/* The MSRs that must read the same on every CPU (one VMCS layout for all). */
struct vmx_cpu_msrs {
	u64 feature_control;
	u64 basic;
	u64 pinbased;
	u64 procbased;
	u64 procbased2;
	u64 exit;
	u64 entry;
	u64 misc;
	u64 ept_vpid_cap;
	int err;		/* -EIO if any RDMSR faulted */
};

static void vmx_read_one(struct vmx_cpu_msrs *m, u32 msr, u64 *val)
{
	if (rdmsrl_safe(msr, val))
		m->err = -EIO;
}

/*
 * SDM Vol. 3D, "Basic VMX Information": when IA32_VMX_BASIC bit 55 is set
 * the TRUE_* MSRs report which "default1" controls may actually be 0; they
 * are the ones to adjust against.
 */
static void vmx_read_cpu_msrs(void *data)
{
	struct vmx_cpu_msrs *m = data;
	bool true_ctls;

	m->err = 0;
	vmx_read_one(m, MSR_IA32_FEAT_CTL, &m->feature_control);
	vmx_read_one(m, MSR_IA32_VMX_BASIC, &m->basic);
	if (m->err)
		return;
	true_ctls = vmx_basic_true_ctls(m->basic);
	vmx_read_one(m, true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		     MSR_IA32_VMX_PINBASED_CTLS, &m->pinbased);
	vmx_read_one(m, true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		     MSR_IA32_VMX_PROCBASED_CTLS, &m->procbased);
	vmx_read_one(m, true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
		     MSR_IA32_VMX_EXIT_CTLS, &m->exit);
	vmx_read_one(m, true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
		     MSR_IA32_VMX_ENTRY_CTLS, &m->entry);
	vmx_read_one(m, MSR_IA32_VMX_MISC, &m->misc);
	m->procbased2 = 0;
	m->ept_vpid_cap = 0;
	if (vmx_cap_may_be_one(m->procbased) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) {
		vmx_read_one(m, MSR_IA32_VMX_PROCBASED_CTLS2, &m->procbased2);
		/* SDM Vol. 3D, "VPID and EPT Capabilities": exists iff either is allowed. */
		if (vmx_cap_may_be_one(m->procbased2) &
		    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
			vmx_read_one(m, MSR_IA32_VMX_EPT_VPID_CAP, &m->ept_vpid_cap);
	}
}

/* Which capability word a feature bit is read from. */
enum vmx_cap_word { CAP_PIN, CAP_PROC, CAP_PROC2, CAP_EPT_VPID };

static const struct {
	enum vmx_cap_word word;
	u64 mask;
	u32 feature;
} vmx_feature_table[] = {
	{ CAP_PROC, CPU_BASED_TPR_SHADOW, MINIKVM_VMX_TPR_SHADOW },
	{ CAP_PROC, CPU_BASED_USE_MSR_BITMAPS, MINIKVM_VMX_MSR_BITMAP },
	{ CAP_PIN, PIN_BASED_POSTED_INTR, MINIKVM_VMX_POSTED_INTR },
	{ CAP_PIN, PIN_BASED_VMX_PREEMPTION_TIMER, MINIKVM_VMX_PREEMPTION_TIMER },
	{ CAP_PROC2, SECONDARY_EXEC_ENABLE_EPT, MINIKVM_VMX_EPT },
	{ CAP_PROC2, SECONDARY_EXEC_ENABLE_VPID, MINIKVM_VMX_VPID },
	{ CAP_PROC2, SECONDARY_EXEC_UNRESTRICTED_GUEST, MINIKVM_VMX_UNRESTRICTED_GUEST },
	{ CAP_PROC2, SECONDARY_EXEC_APIC_REGISTER_VIRT, MINIKVM_VMX_APIC_REG_VIRT },
	{ CAP_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY, MINIKVM_VMX_VIRT_INTR_DELIVERY },
	{ CAP_PROC2, SECONDARY_EXEC_ENABLE_PML, MINIKVM_VMX_PML },
	{ CAP_PROC2, SECONDARY_EXEC_PAUSE_LOOP_EXITING, MINIKVM_VMX_PAUSE_LOOP },
	{ CAP_EPT_VPID, VMX_EPT_2MB_PAGE_BIT, MINIKVM_VMX_EPT_2MB },
	{ CAP_EPT_VPID, VMX_EPT_1GB_PAGE_BIT, MINIKVM_VMX_EPT_1GB },
	{ CAP_EPT_VPID, VMX_EPT_AD_BIT, MINIKVM_VMX_EPT_AD },
	{ CAP_EPT_VPID, VMX_EPT_EXECUTE_ONLY_BIT, MINIKVM_VMX_EPT_EXEC_ONLY },
	{ CAP_EPT_VPID, VMX_EPT_INVEPT_BIT, MINIKVM_VMX_INVEPT },
	/* IA32_VMX_EPT_VPID_CAP bit 32: INVVPID supported. */
	{ CAP_EPT_VPID, (u64)VMX_VPID_INVVPID_BIT << 32, MINIKVM_VMX_INVVPID },
};

static u32 vmx_decode_features(const struct vmx_cpu_msrs *m)
{
	const u64 words[] = {
		[CAP_PIN] = vmx_cap_may_be_one(m->pinbased),
		[CAP_PROC] = vmx_cap_may_be_one(m->procbased),
		[CAP_PROC2] = vmx_cap_may_be_one(m->procbased2),
		[CAP_EPT_VPID] = m->ept_vpid_cap,
	};
	u32 f = 0;
	int i;

	if (vmx_basic_true_ctls(m->basic))
		f |= MINIKVM_VMX_TRUE_CTLS;
	if (vmx_basic_memtype(m->basic) == VMX_BASIC_MEM_TYPE_WB)
		f |= MINIKVM_VMX_WB_VMCS;
	for (i = 0; i < ARRAY_SIZE(vmx_feature_table); i++)
		if (words[vmx_feature_table[i].word] & vmx_feature_table[i].mask)
			f |= vmx_feature_table[i].feature;
	return f;
}

/*
 * Why the CPU cannot host minikvm, or NULL. Checked in the order a user
 * can act on: no VMX at all, then firmware settings, then missing features.
 */
static const char *vmx_unusable_reason(const struct vmx_cpu_msrs *m, u32 features)
{
	/*
	 * SDM Vol. 3C, "Enabling and Entering VMX Operation": VMXON outside
	 * SMX faults unless IA32_FEATURE_CONTROL has both the lock bit and
	 * "enable VMX outside SMX operation" set. Only firmware (or Linux's
	 * own feat_ctl code at boot) may set them: the MSR is locked after.
	 */
	if (!(m->feature_control & FEAT_CTL_LOCKED))
		return "IA32_FEATURE_CONTROL is not locked (VMX disabled by firmware)";
	if (!(m->feature_control & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return "VMX outside SMX is disabled in IA32_FEATURE_CONTROL (enable VT-x in firmware)";
	if (vmx_basic_region_size(m->basic) == 0 || vmx_basic_region_size(m->basic) > PAGE_SIZE)
		return "IA32_VMX_BASIC reports an unusable VMCS size";
	if (!(features & MINIKVM_VMX_WB_VMCS))
		return "VMCS memory type is not write-back";
	if (!(vmx_cap_may_be_one(m->procbased) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return "no secondary processor-based controls";
	if (!(features & MINIKVM_VMX_EPT))
		return "no EPT";
	if (!(features & MINIKVM_VMX_UNRESTRICTED_GUEST))
		return "no unrestricted guest";
	if (!(m->ept_vpid_cap & VMX_EPT_PAGE_WALK_4_BIT) ||
	    !(m->ept_vpid_cap & VMX_EPTP_WB_BIT))
		return "EPT lacks 4-level walks with write-back paging structures";
	return NULL;
}

static void vmx_print_summary(void)
{
	char buf[256];
	int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(vmx_feature_names); i++)
		if (vmx_has(vmx_feature_names[i].bit))
			len += scnprintf(buf + len, sizeof(buf) - len, " %s", vmx_feature_names[i].name);
	pr_info("VMX revision %#x, VMCS %u bytes, %u CPUs:%s\n",
		mvmx_info.revision_id, mvmx_info.vmcs_size, mvmx_info.nr_cpus, buf);
}

static bool vmx_same_msrs(const struct vmx_cpu_msrs *a, const struct vmx_cpu_msrs *b)
{
	return a->feature_control == b->feature_control && a->basic == b->basic &&
	       a->pinbased == b->pinbased && a->procbased == b->procbased &&
	       a->procbased2 == b->procbased2 && a->exit == b->exit &&
	       a->entry == b->entry && a->misc == b->misc &&
	       a->ept_vpid_cap == b->ept_vpid_cap;
}

/* MINIKVM_GET_VMX_INFO: the probe's result as it is. */
long mvmx_get_info(void __user *argp)
{
	if (copy_to_user(argp, &mvmx_info, sizeof(mvmx_info)))
		return -EFAULT;
	return 0;
}

/**
 * mvmx_probe() - decide at load time whether this machine can run minikvm
 *
 * Reads the capability MSRs on every online CPU and insists they agree,
 * since one VMCS layout and one set of controls serves all CPUs.
 *
 * Return: 0 and mvmx_info filled, or -EOPNOTSUPP after printing one line
 * that says why, or -ENOMEM.
 */
int mvmx_probe(void)
{
	struct vmx_cpu_msrs boot, *other;
	const char *why;
	int cpu, ret = 0;

	/*
	 * Raw CPUID rather than boot_cpu_has(X86_FEATURE_VMX): Linux clears
	 * that flag when firmware disabled VMX, and the user deserves to be
	 * told which of the two it is.
	 */
	if (!(cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31))) {
		pr_err("CPU has no VMX (CPUID.1:ECX.VMX[bit 5] is 0)\n");
		return -EOPNOTSUPP;
	}

	other = kmalloc(sizeof(*other), GFP_KERNEL);
	if (!other)
		return -ENOMEM;

	cpus_read_lock();
	vmx_read_cpu_msrs(&boot);
	if (boot.err) {
		pr_err("VMX capability MSRs cannot be read\n");
		ret = -EOPNOTSUPP;
		goto out;
	}
	mvmx_info.features = vmx_decode_features(&boot);
	why = vmx_unusable_reason(&boot, mvmx_info.features);
	if (why) {
		pr_err("VMX unusable: %s\n", why);
		ret = -EOPNOTSUPP;
		goto out;
	}

	mvmx_info.nr_cpus = 0;
	for_each_online_cpu(cpu) {
		if (smp_call_function_single(cpu, vmx_read_cpu_msrs, other, 1) ||
		    other->err || !vmx_same_msrs(other, &boot)) {
			pr_err("VMX unusable: CPU %d reports different VMX capabilities\n", cpu);
			ret = -EOPNOTSUPP;
			goto out;
		}
		mvmx_info.nr_cpus++;
	}

	mvmx_info.revision_id = vmx_basic_revision_id(boot.basic);
	mvmx_info.vmcs_size = vmx_basic_region_size(boot.basic);
	mvmx_info.basic = boot.basic;
	mvmx_info.feature_control = boot.feature_control;
	mvmx_info.pinbased = boot.pinbased;
	mvmx_info.procbased = boot.procbased;
	mvmx_info.procbased2 = boot.procbased2;
	mvmx_info.exit = boot.exit;
	mvmx_info.entry = boot.entry;
	mvmx_info.misc = boot.misc;
	mvmx_info.ept_vpid_cap = boot.ept_vpid_cap;
	vmx_print_summary();
out:
	cpus_read_unlock();
	kfree(other);
	return ret;
}
