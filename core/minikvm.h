/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects behind the three kinds of file descriptor of the KVM ABI:
 * the device (/dev/minikvm), a VM, and a vCPU. Shared by core/ and the
 * layers under it (vmx/, mmu/); the vendor's own vCPU state embeds
 * struct minikvm_vcpu (vmx/vmx.h) and is reached only from vmx/.
 *
 * Lifetimes: a VM lives while its fd or any of its vCPU fds is open (each
 * holds a reference); a vCPU lives until the VM is freed, as in KVM, so a
 * vCPU fd may outlive the VM fd. A VM is bound to the mm that created it.
 */
#ifndef MINIKVM_CORE_H
#define MINIKVM_CORE_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rcuwait.h>
#include <linux/refcount.h>
#include <linux/srcu.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/msr.h>

#include "mmu/mmu.h"
#include "mmu/insn_decode.h"
#include "core/iobus.h"
#include "core/stats.h"
#include "core/vendor.h"

#include <asm/kvm_vcpu_regs.h>

#define MINIKVM_MAX_VCPUS	8
#define MINIKVM_MAX_CPUID	80	/* entries accepted by KVM_SET_CPUID2 */
#define MINIKVM_MAX_MCE_BANKS	32	/* KVM's KVM_MAX_MCE_BANKS, KVM_CAP_MCE */
#define MINIKVM_MAX_IRQ_ROUTES	4096	/* KVM's KVM_MAX_IRQ_ROUTES, KVM_CAP_IRQ_ROUTING */

enum minikvm_irqchip_mode {
	MINIKVM_IRQCHIP_NONE,		/* interrupts come from KVM_INTERRUPT */
	MINIKVM_IRQCHIP_SPLIT,		/* LAPICs here, IOAPIC/PIC in userspace */
	MINIKVM_IRQCHIP_KERNEL,		/* KVM_CREATE_IRQCHIP: all here */
};

struct minikvm_lapic;
struct minikvm_pic;
struct minikvm_ioapic;
struct minikvm_pit;
struct minikvm_irq_routing;

struct minikvm_vm {
	refcount_t users;		/* VM fd + one per vCPU fd */
	struct mm_struct *mm;		/* the creator's: others get -EIO */
	struct mutex lock;		/* vCPU creation, TSS/identity addresses */
	struct mmu_vm mmu;		/* slots and EPT, mmu/ */
	struct minikvm_vcpu *vcpus[MINIKVM_MAX_VCPUS];
	unsigned int nr_vcpus;
	/* vCPUs being created or created, under lock (KVM's created_vcpus) */
	unsigned int created_vcpus;
	unsigned int max_vcpu_ids;	/* KVM_CAP_MAX_VCPU_ID; 0: the default */
	unsigned int bsp_vcpu_id;	/* KVM_SET_BOOT_CPU_ID */
	bool guest_reads_platform_info;	/* KVM_CAP_MSR_PLATFORM_INFO */
	u64 tss_addr;
	u64 identity_map_addr;
	u64 pv_wall_clock;		/* MSR_KVM_WALL_CLOCK(_NEW), per VM as in KVM */
	s64 kvmclock_offset;		/* kvmclock - host raw ns (core/kvmclock.c) */
	u64 disabled_quirks;		/* KVM_CAP_DISABLE_QUIRKS2 (core/vm_cap.c) */
	struct minikvm_vm_debugfs *debugfs;	/* core/stats.c */

	/* The in-kernel irqchip (irq/irqchip.h); NULL where the VMM has it. */
	enum minikvm_irqchip_mode irqchip_mode;	/* set once, before vCPUs */
	/* MINIKVM_APICV_* its LAPICs use: decided with the first (vmx/apicv.c). */
	u32 apicv;
	u32 nr_reserved_ioapic_pins;	/* KVM_CAP_SPLIT_IRQCHIP's args[0] */
	struct minikvm_pic *pic;
	struct minikvm_ioapic *ioapic;
	struct minikvm_pit *pit;
	/* The xAPIC page on the MMIO bus, once the first LAPIC exists. */
	struct minikvm_io_device apic_mmio;
	/*
	 * With MINIKVM_APICV_APIC_ACCESS: the page the EPT maps at the xAPIC
	 * base, whose accesses the CPU virtualizes (irq/lapic.c allocates it
	 * with the first LAPIC, vmx/apicv.c names it, mmu/ maps it).
	 */
	struct page *apic_access_page;

	/* GSI routing and irq sources (irq/routing.c), irqfds (irq/irqfd.c). */
	struct mutex irq_lock;		/* replacing the table, irq sources */
	struct srcu_struct irq_srcu;	/* readers of the table, resamplers */
	struct minikvm_irq_routing __rcu *irq_routing;
	unsigned long irq_sources;	/* irq source ids in use */
	spinlock_t irqfd_lock;		/* irqfds */
	struct list_head irqfds;
	struct mutex irqfd_resampler_lock;
	struct list_head irqfd_resamplers;

	/* The in-kernel I/O bus (core/iobus.c): ranges kernel devices answer. */
	struct mutex io_lock;		/* writers */
	struct srcu_struct io_srcu;	/* readers: the exit path */
	struct minikvm_io_bus __rcu *io_bus[MINIKVM_NR_BUSES];

	/* KVM_IOEVENTFD (core/ioeventfd.c) */
	struct mutex ioeventfd_lock;
	struct list_head ioeventfds;

	/* Guest MSR accesses userspace takes over (core/msr_filter.c). */
	struct minikvm_msr_filter __rcu *msr_filter;	/* replaced under lock */
	u32 msr_filter_gen;		/* bumped by each KVM_X86_SET_MSR_FILTER */
	u32 user_space_msr_mask;	/* KVM_CAP_X86_USER_SPACE_MSR reasons */

	/* Coalesced MMIO (core/coalesced_mmio.c): one ring for all vCPUs. */
	struct kvm_coalesced_mmio_ring *coalesced_ring;	/* shared with userspace */
	spinlock_t coalesced_ring_lock;	/* vCPUs appending */
	struct mutex coalesced_lock;	/* the zone list */
	struct list_head coalesced_zones;
};

/* An I/O exit to userspace that KVM_RUN must finish (an IN, string I/O). */
struct minikvm_pending_io {
	bool in;			/* copy run->io data into the guest */
	bool string;
	bool rep;
	bool backward;			/* RFLAGS.DF: addresses go down */
	u8 size;
	u32 count;			/* elements in the data page */
	unsigned long addr_mask;	/* address-size mask: 16, 32 or 64 bits */
	unsigned long linear;		/* first element's guest-linear address */
	unsigned long rip;		/* RIP at the exit: completion only if unchanged */
};

/* An MMIO read userspace must answer before the load completes. */
struct minikvm_pending_mmio {
	unsigned long rip;		/* completion only if RIP is unchanged */
	struct insn_mmio insn;		/* the decoded load */
};

struct minikvm_vcpu {
	struct minikvm_vm *vm;
	unsigned int id;
	struct mutex mutex;		/* one ioctl at a time, as KVM */
	struct kvm_run *run;		/* page 0 of the vCPU mmap */
	void *pio_data;			/* page KVM_PIO_PAGE_OFFSET */
	struct preempt_notifier preempt_notifier;
	struct fpu_guest guest_fpu;

	/*
	 * Set by an exit to userspace that needs finishing (an IN's data,
	 * an MMIO load's value); called, then cleared, at the start of the
	 * next KVM_RUN. Returns > 0 to go on into the guest, else KVM_RUN's
	 * result (EXIT_TO_USER or -errno).
	 */
	int (*complete_userspace_io)(struct minikvm_vcpu *vcpu);
	struct minikvm_pending_io io;
	struct minikvm_pending_mmio mmio;

	struct kvm_cpuid_entry2 *cpuid;	/* from KVM_SET_CPUID2 */
	bool has_run;			/* KVM_RUN went into the guest once (KVM's last_vmentry_cpu) */
	unsigned int cpuid_nent;

	/* MSRs the guest owns and the VMCS does not hold. */
	u64 msr_star, msr_lstar, msr_cstar, msr_sfmask, msr_kernel_gs_base;
	u64 msr_tsc_aux, msr_misc_enable, msr_apic_base;
	u64 msr_platform_info;		/* set by userspace only, 0 at reset */
	u64 msr_power_ctl;		/* MSR_IA32_POWER_CTL: storage only, as KVM */
	u64 msr_mtrr_def_type, msr_mtrr_var[16], msr_mtrr_fixed[11];
	u64 tsc_offset;			/* guest TSC - host TSC (core/tsc.c) */
	u64 msr_tsc_adjust;		/* IA32_TSC_ADJUST */
	u64 xcr0;			/* guest XCR0, loaded around entry */
	u64 dr[4], dr6;			/* guest DR0-3, DR6; DR7 is in the VMCS */
	u64 cr8;

	/*
	 * Work for the vCPU thread, MINIKVM_REQ_* bits (core/request.h),
	 * looked at with IRQs off before each entry.
	 */
	unsigned long requests;

	/*
	 * Events, KVM's model (irq/event.c): "pending" has not started,
	 * "injected" goes into the guest with the next entry (again, if an
	 * exit cut its delivery short). One exception, one interrupt from
	 * KVM_INTERRUPT (no irqchip), NMIs counted.
	 */
	bool exception_pending;
	bool exception_injected;
	u8 exception_vector;
	bool exception_has_error;
	u32 exception_error;
	struct {
		bool injected;
		bool soft;		/* INTn being re-injected */
		u8 nr;
	} interrupt;
	bool nmi_injected;
	u8 nmi_pending;			/* 0..2, KVM's limit */
	u8 nmi_queued;			/* KVM_NMI calls not yet in nmi_pending */
	u8 event_insn_len;		/* length of a soft event's instruction */
	u8 event_in_flight;		/* what the last entry injected: irq/event.c */
	bool event_requeued;		/* the next injection is a re-injection */
	u32 mp_state;			/* KVM_MP_STATE_*: RUNNABLE without a LAPIC */
	struct minikvm_lapic *apic;	/* the in-kernel LAPIC (irq/lapic.c), or NULL */
	u8 pending_ioapic_eoi;		/* split irqchip: the vector of KVM_EXIT_IOAPIC_EOI */
	/*
	 * Reaching the vCPU from another thread (irq/posted.c): mode is
	 * enum minikvm_vcpu_mode, run_cpu the CPU of the last entry,
	 * wait where a halted vCPU sleeps.
	 */
	int mode;
	int run_cpu;
	struct rcuwait wait;
	/* The thread of the last KVM_RUN, for a directed yield (core/vcpu.c). */
	struct pid __rcu *pid;

	/* Machine-check architecture (core/msr_mce.c), KVM's layout. */
	u64 mcg_cap, mcg_status, mcg_ctl;
	u64 mce_banks[MINIKVM_MAX_MCE_BANKS * 4];	/* CTL, STATUS, ADDR, MISC */
	u64 mci_ctl2[MINIKVM_MAX_MCE_BANKS];
	u64 pv_system_time;		/* MSR_KVM_SYSTEM_TIME(_NEW) */
	u32 pvclock_version;		/* of the page last written (core/kvmclock.c) */
	bool pv_cpuid_enforced;		/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID (core/vcpu_cap.c) */

	struct minikvm_vcpu_stat stat;	/* core/stats.h */
};

/* Set by the exit path: where KVM_RUN goes after a handler. */
enum minikvm_exit_action {
	EXIT_TO_USER = 0,		/* run->exit_reason is set */
	RESUME_GUEST = 1,
};

long minikvm_check_extension(long cap);

/*
 * The KVM quirks minikvm has, each on until KVM_CAP_DISABLE_QUIRKS2 turns
 * it off: MONITOR/MWAIT are NOPs even without MWAIT in the guest's CPUID;
 * IA32_MISC_ENABLE's MWAIT bit leaves that CPUID bit alone.
 */
#define MINIKVM_QUIRKS	(KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

static inline bool minikvm_has_quirk(const struct minikvm_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->disabled_quirks) & quirk);
}

/* The guest's TSC now, from any thread: the host's plus tsc_offset (core/tsc.c). */
static inline u64 minikvm_guest_tsc(const struct minikvm_vcpu *vcpu)
{
	return rdtsc() + READ_ONCE(vcpu->tsc_offset);
}

/* core/vcpu_xsave.c */
u64 minikvm_supported_xcr0(void);
bool minikvm_xcr0_valid(u64 xcr0);
long minikvm_xsave_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

/* core/tsc.c */
int minikvm_tsc_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int minikvm_tsc_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host);
long minikvm_vcpu_attr_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

/* core/vcpu_cap.c */
int minikvm_vcpu_enable_cap(struct minikvm_vcpu *vcpu, struct kvm_enable_cap __user *ucap);
bool minikvm_guest_pv_has(struct minikvm_vcpu *vcpu, unsigned int bit);

/* core/kvmclock.c; the flags KVM_SET_CLOCK takes, KVM's KVM_CLOCK_VALID_FLAGS */
#define MINIKVM_CLOCK_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)
void minikvm_kvmclock_init(struct minikvm_vm *vm);
void minikvm_kvmclock_update(struct minikvm_vcpu *vcpu);
void minikvm_kvmclock_wall(struct minikvm_vm *vm, u64 gpa);
long minikvm_get_clock(struct minikvm_vm *vm, struct kvm_clock_data __user *udata);
long minikvm_set_clock(struct minikvm_vm *vm, struct kvm_clock_data __user *udata);
int minikvm_vm_enable_cap(struct minikvm_vm *vm, struct kvm_enable_cap __user *ucap);
int minikvm_set_boot_cpu_id(struct minikvm_vm *vm, unsigned long id);
int minikvm_get_stats_fd(struct minikvm_vm *vm, struct minikvm_vcpu *vcpu);
int minikvm_create_vm(unsigned long type);
int minikvm_create_vcpu(struct minikvm_vm *vm, unsigned long id);
void minikvm_vm_put(struct minikvm_vm *vm);
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_on_spin(struct minikvm_vcpu *vcpu);

/* core/ioeventfd.c */
void minikvm_ioeventfd_init(struct minikvm_vm *vm);
void minikvm_ioeventfd_destroy(struct minikvm_vm *vm);
int minikvm_ioeventfd(struct minikvm_vm *vm, const struct kvm_ioeventfd *args);

/* core/coalesced_mmio.c */
int minikvm_coalesced_mmio_init(struct minikvm_vm *vm);
void minikvm_coalesced_mmio_free(struct minikvm_vm *vm);
int minikvm_register_coalesced_mmio(struct minikvm_vm *vm,
				    const struct kvm_coalesced_mmio_zone *zone);
int minikvm_unregister_coalesced_mmio(struct minikvm_vm *vm,
				      const struct kvm_coalesced_mmio_zone *zone);

/*
 * core/msr_filter.c. Besides 0 and 1 (the model refused: #GP), a guest
 * MSR access fails with one of these, KVM's KVM_MSR_RET_* reasons.
 */
#define MINIKVM_MSR_UNKNOWN	2	/* no such MSR in the model */
#define MINIKVM_MSR_FILTERED	3	/* KVM_X86_SET_MSR_FILTER denies it */
struct minikvm_msr_filter;
int minikvm_set_msr_filter(struct minikvm_vm *vm, const struct kvm_msr_filter *uf);
void minikvm_msr_filter_destroy(struct minikvm_vm *vm);
bool minikvm_msr_allowed(struct minikvm_vcpu *vcpu, u32 index, u32 type);
bool minikvm_msr_user_exit(struct minikvm_vcpu *vcpu, u32 index, bool write, u64 data, int r,
			   int (*complete)(struct minikvm_vcpu *vcpu));
/* irq/pit_ioctl.c: the in-kernel 8254 (Documentation/pit.rst) */
long minikvm_pit_ioctl(struct minikvm_vm *vm, unsigned int ioctl, void __user *argp);
void minikvm_pit_destroy(struct minikvm_vm *vm);

/* core/cpuid.c */
long minikvm_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);
int minikvm_set_cpuid2(struct minikvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid);
int minikvm_get_cpuid2(struct minikvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid);
const struct kvm_cpuid_entry2 *minikvm_find_cpuid(struct minikvm_vcpu *vcpu, u32 fn, u32 idx);
bool minikvm_cpuid_has(struct minikvm_vcpu *vcpu, u32 fn, enum cpuid_regs_idx reg,
		       unsigned int feature);
bool minikvm_cpuid_supported(u32 fn, enum cpuid_regs_idx reg, unsigned int feature);
int minikvm_set_misc_enable(struct minikvm_vcpu *vcpu, u64 data);

/* core/msr_mce.c: MSRs with no VMX state (machine check, kvmclock) */
int minikvm_get_msr_common(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int minikvm_set_msr_common(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host);
void minikvm_mce_reset(struct minikvm_vcpu *vcpu);
long minikvm_setup_mce(struct minikvm_vcpu *vcpu, u64 __user *argp);
long minikvm_get_mce_cap_supported(u64 __user *argp);

/* core/vcpu_state.c: the register ioctls, and their kernel-side halves */
long minikvm_vcpu_state_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp);
void minikvm_get_regs(struct minikvm_vcpu *vcpu, struct kvm_regs *regs);
void minikvm_set_regs(struct minikvm_vcpu *vcpu, const struct kvm_regs *regs);
void minikvm_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs);
int minikvm_set_sregs(struct minikvm_vcpu *vcpu, const struct kvm_sregs *sregs);
void minikvm_get_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events *ev);
int minikvm_set_events(struct minikvm_vcpu *vcpu, const struct kvm_vcpu_events *ev);

/* core/sync_regs.c: KVM_CAP_SYNC_REGS */
int minikvm_sync_regs_in(struct minikvm_vcpu *vcpu, u64 dirty);
void minikvm_sync_regs_out(struct minikvm_vcpu *vcpu, u64 valid);

#endif /* MINIKVM_CORE_H */
