// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: the paravirtual clock of KVM's ABI. The VM keeps one offset
 * from the host's raw monotonic clock (KVM_GET_CLOCK, KVM_SET_CLOCK); a
 * vCPU that enabled MSR_KVM_SYSTEM_TIME(_NEW) gets, in guest memory, a
 * struct pvclock_vcpu_time_info: a (TSC, nanoseconds) pair taken at one
 * instant and the factor that turns guest TSC ticks into nanoseconds, from
 * which the guest computes the time without an exit.
 *
 * The pair is rewritten before the next entry after anything that moves
 * it (MINIKVM_REQ_CLOCK_UPDATE): the MSR write, KVM_SET_CLOCK, a write of
 * the guest's TSC. The host TSC must tick at a constant rate for the
 * extrapolation to hold; without X86_FEATURE_CONSTANT_TSC KVM_GET_CLOCK
 * reports no TSC and the page is still written, as KVM does without its
 * master clock. Unlike KVM, there is no master clock: each vCPU gets
 * its own pair, so PVCLOCK_TSC_STABLE_BIT is never set and
 * KVM_CLOCK_TSC_STABLE is never reported (Documentation/ioctl.rst).
 *
 * Environment: process context.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "core/minikvm.h"
#include "core/request.h"

/* The host's clock and TSC at one instant; the wall clock too if asked. */
static void kvmclock_sample(u64 *raw_ns, u64 *tsc, u64 *real_ns)
{
	unsigned long flags;

	local_irq_save(flags);
	*tsc = rdtsc();
	*raw_ns = ktime_get_raw_ns();
	if (real_ns)
		*real_ns = ktime_get_real_ns();
	local_irq_restore(flags);
}

/*
 * The scale pvclock applies (SDM-independent: Linux's pvclock ABI):
 * ns = ((ticks shifted left by @shift, right if negative) * @mul) >> 32.
 * With f = 10^9 / tsc_hz nanoseconds per tick, pick the shift that brings
 * f / 2^shift into [1/2, 1), so that @mul keeps 31 or 32 significant bits.
 */
static void kvmclock_scale(u64 tsc_hz, s8 *shift, u32 *mul)
{
	u64 num = NSEC_PER_SEC, den = tsc_hz;
	s8 s = 0;

	while (num >= den) {		/* f / 2^s >= 1: halve it */
		den <<= 1;
		s++;
	}
	while (num * 2 < den) {		/* f / 2^s < 1/2: double it */
		num <<= 1;
		s--;
	}
	*shift = s;
	*mul = mul_u64_u64_div_u64(num, 1ull << 32, den);
}

static bool kvmclock_tsc_usable(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) && tsc_khz;
}

/**
 * minikvm_kvmclock_update() - write the vCPU's pvclock page
 * @vcpu: the vCPU, in its thread before entry (IRQs on: guest memory)
 *
 * The version is odd while the fields change (the guest retries), as the
 * pvclock ABI asks. A page the guest put outside RAM is not written, as
 * KVM skips a page it cannot map.
 */
void minikvm_kvmclock_update(struct minikvm_vcpu *vcpu)
{
	struct pvclock_vcpu_time_info ti = { };
	u64 gpa = vcpu->pv_system_time & ~1ull;
	u64 raw_ns, tsc;

	if (!(vcpu->pv_system_time & KVM_MSR_ENABLED))
		return;
	kvmclock_sample(&raw_ns, &tsc, NULL);
	ti.tsc_timestamp = tsc + vcpu->tsc_offset;
	ti.system_time = raw_ns + READ_ONCE(vcpu->vm->kvmclock_offset);
	kvmclock_scale(tsc_khz * 1000ull, &ti.tsc_shift, &ti.tsc_to_system_mul);

	ti.version = vcpu->pvclock_version + 1;		/* odd: being written */
	if (mmu_write_guest(vcpu->vm, gpa, &ti.version, sizeof(ti.version)))
		return;
	smp_wmb();	/* odd version before the fields: the guest's smp_rmb() pairs */
	if (mmu_write_guest(vcpu->vm, gpa, &ti, sizeof(ti)))
		return;
	smp_wmb();	/* the fields before the even version */
	ti.version++;
	vcpu->pvclock_version = ti.version;
	mmu_write_guest(vcpu->vm, gpa, &ti.version, sizeof(ti.version));
}

/**
 * minikvm_kvmclock_wall() - MSR_KVM_WALL_CLOCK(_NEW): the wall-clock time
 * at kvmclock 0, written once at @gpa as struct pvclock_wall_clock
 * @vm: the VM
 * @gpa: where the guest wants it
 */
void minikvm_kvmclock_wall(struct minikvm_vm *vm, u64 gpa)
{
	struct pvclock_wall_clock wc = { };
	u64 raw_ns, tsc, real_ns, boot_real;
	u32 rem;

	kvmclock_sample(&raw_ns, &tsc, &real_ns);
	boot_real = real_ns - (raw_ns + READ_ONCE(vm->kvmclock_offset));
	wc.sec = div_u64_rem(boot_real, NSEC_PER_SEC, &rem);
	wc.nsec = rem;
	wc.version = 1;				/* odd while written */
	if (mmu_write_guest(vm, gpa, &wc.version, sizeof(wc.version)))
		return;
	smp_wmb();	/* odd version before the fields, as for the vCPU page */
	mmu_write_guest(vm, gpa, &wc, sizeof(wc));
	smp_wmb();	/* the fields before the even version */
	wc.version = 2;
	mmu_write_guest(vm, gpa, &wc.version, sizeof(wc.version));
}

/* KVM_GET_CLOCK: the guest's kvmclock now, and the host instant it is of. */
long minikvm_get_clock(struct minikvm_vm *vm, struct kvm_clock_data __user *udata)
{
	struct kvm_clock_data data = { };
	u64 raw_ns, tsc, real_ns;

	kvmclock_sample(&raw_ns, &tsc, &real_ns);
	data.clock = raw_ns + READ_ONCE(vm->kvmclock_offset);
	if (kvmclock_tsc_usable()) {
		data.flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
		data.realtime = real_ns;
		data.host_tsc = tsc;
	}
	return copy_to_user(udata, &data, sizeof(data)) ? -EFAULT : 0;
}

/**
 * minikvm_set_clock() - KVM_SET_CLOCK
 * @vm: the VM
 * @udata: the clock; with KVM_CLOCK_REALTIME, the wall-clock time it was
 *	   read at, so that the time since then is added (never subtracted),
 *	   as KVM does
 *
 * Return: 0, -EFAULT, or -EINVAL for flags KVM_GET_CLOCK cannot return.
 */
long minikvm_set_clock(struct minikvm_vm *vm, struct kvm_clock_data __user *udata)
{
	struct kvm_clock_data data;
	u64 raw_ns, tsc, real_ns;
	unsigned int i;

	if (copy_from_user(&data, udata, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~MINIKVM_CLOCK_FLAGS)
		return -EINVAL;
	kvmclock_sample(&raw_ns, &tsc, &real_ns);
	if ((data.flags & KVM_CLOCK_REALTIME) && real_ns > data.realtime)
		data.clock += real_ns - data.realtime;
	WRITE_ONCE(vm->kvmclock_offset, data.clock - raw_ns);

	mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++)
		minikvm_make_request(MINIKVM_REQ_CLOCK_UPDATE, vm->vcpus[i]);
	mutex_unlock(&vm->lock);
	return 0;
}

/* A VM's kvmclock starts at 0, as KVM's. */
void minikvm_kvmclock_init(struct minikvm_vm *vm)
{
	vm->kvmclock_offset = -ktime_get_raw_ns();
}
