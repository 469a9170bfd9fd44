// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: the guest accessed a GPA no slot backs (or wrote to a read-only
 * slot). The exit does not say what the instruction was, so minikvm
 * fetches it through the guest's page tables and decodes it
 * (mmu/insn_decode.c). A device on the kernel's MMIO bus (core/iobus.c)
 * may answer; otherwise it exits with KVM_EXIT_MMIO (phys_addr, data,
 * len, is_write), laid out as KVM lays it out.
 *
 * As with KVM, a write is complete when userspace sees it (RIP already
 * past the instruction); a read completes on the next KVM_RUN, when
 * userspace has put the value in run->mmio.data (mmio_complete(), the
 * vCPU's complete_userspace_io hook). An
 * instruction the decoder does not know ends KVM_RUN with
 * KVM_EXIT_INTERNAL_ERROR, suberror KVM_INTERNAL_ERROR_EMULATION, and the
 * instruction bytes, as KVM's emulation failure does.
 *
 * Environment: vCPU thread, vCPU loaded, preemptible.
 */
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>

#include "core/minikvm.h"
#include "core/observe.h"

static int mmio_complete(struct minikvm_vcpu *vcpu);
static void mmio_finish_load(struct minikvm_vcpu *vcpu, const struct insn_mmio *insn, u64 data);

/* Read up to INSN_MAX_LEN bytes at CS:RIP; returns how many could be read. */
static unsigned int mmio_fetch(struct minikvm_vcpu *vcpu, unsigned int mode, u8 *bytes)
{
	unsigned long linear = minikvm_get_segment_base(vcpu, VCPU_SREG_CS) + minikvm_rip_read(vcpu);

	if (mode != 64)
		linear = (u32)linear;
	return mmu_gva_copy(vcpu, linear, bytes, INSN_MAX_LEN, false);
}

static enum insn_mode mmio_insn_mode(unsigned int mode)
{
	return mode == 64 ? INSN_MODE_64 : mode == 32 ? INSN_MODE_32 : INSN_MODE_16;
}

/* KVM's emulation-failure layout: flags, instruction bytes, then exit info. */
static int mmio_emulation_failure(struct minikvm_vcpu *vcpu, const u8 *bytes, unsigned int n)
{
	struct kvm_run *run = vcpu->run;
	u64 *info;
	u32 intr_info, error_code;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = n;
	memset(run->emulation_failure.insn_bytes, 0x90, sizeof(run->emulation_failure.insn_bytes));
	memcpy(run->emulation_failure.insn_bytes, bytes, n);
	info = &run->internal.data[3];
	minikvm_get_exit_info(vcpu, &info[0], &info[1], &info[2], &intr_info, &error_code);
	info[3] = intr_info;
	info[4] = error_code;
	run->emulation_failure.ndata = 8;
	return EXIT_TO_USER;
}

/**
 * mmu_mmio_emulate() - decode the access at @gpa and exit to userspace
 * @vcpu: the vCPU
 * @gpa: the guest-physical address the CPU reported
 *
 * An access made while the CPU delivered an event (the guest put its
 * IDT, GDT or stack in MMIO) is not the instruction at RIP's doing, and
 * there is nothing to decode: KVM_RUN ends with KVM_INTERNAL_ERROR_DELIVERY_EV,
 * as KVM does for such exits, instead of completing that instruction.
 *
 * Return: EXIT_TO_USER with KVM_EXIT_MMIO, an emulation failure or the
 * event-delivery internal error.
 */
int mmu_mmio_emulate(struct minikvm_vcpu *vcpu, u64 gpa)
{
	struct kvm_run *run = vcpu->run;
	struct insn_mmio insn;
	u8 bytes[INSN_MAX_LEN];
	unsigned int mode = minikvm_code_mode(vcpu);
	unsigned int n = mmio_fetch(vcpu, mode, bytes);
	unsigned long val;
	u64 data = 0;
	bool store;

	if (minikvm_exit_during_event_delivery(vcpu))
		return minikvm_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV);
	if (mmu_insn_decode_mmio(bytes, n, mmio_insn_mode(mode), &insn) != INSN_OK)
		return mmio_emulation_failure(vcpu, bytes, n);

	store = insn.kind == INSN_STORE || insn.kind == INSN_STORE_IMM;
	minikvm_note_mmio(vcpu, gpa, insn.size, store);
	if (store) {
		if (insn.kind == INSN_STORE_IMM)
			val = insn.imm;
		else
			val = minikvm_register_read(vcpu, insn.reg) >> (insn.high_byte ? 8 : 0);
		/* A device in the kernel (core/iobus.c) may take it: no exit. */
		if (!minikvm_io_bus_write(vcpu, MINIKVM_MMIO_BUS, gpa, insn.size, &val)) {
			minikvm_advance_rip(vcpu, insn.len);
			return RESUME_GUEST;
		}
	} else if (!minikvm_io_bus_read(vcpu, MINIKVM_MMIO_BUS, gpa, insn.size, &data)) {
		mmio_finish_load(vcpu, &insn, data);
		return RESUME_GUEST;
	}
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn.size;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (store) {
		memcpy(run->mmio.data, &val, insn.size);
		run->mmio.is_write = 1;
		/* A write is done once userspace has it: RIP moves on now. */
		minikvm_advance_rip(vcpu, insn.len);
		return EXIT_TO_USER;
	}
	run->mmio.is_write = 0;
	vcpu->mmio.insn = insn;
	vcpu->mmio.rip = minikvm_rip_read(vcpu);
	vcpu->complete_userspace_io = mmio_complete;
	return EXIT_TO_USER;
}

/* The value of a load, extended to the destination as the CPU would. */
static unsigned long mmio_load_value(const struct insn_mmio *insn, u64 data, unsigned long old)
{
	unsigned int bits = insn->size * 8;
	unsigned long v = bits == 64 ? data : data & ((1ull << bits) - 1);

	if (insn->kind == INSN_LOAD_SX && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ul << bits;
	switch (insn->reg_size) {
	case 1:
		if (insn->high_byte)
			return (old & ~0xff00ul) | (v & 0xff) << 8;
		return (old & ~0xfful) | (v & 0xff);
	case 2:
		return (old & ~0xfffful) | (v & 0xffff);
	case 4:
		/* A 32-bit destination zero-extends into the full register. */
		return (u32)v;
	}
	return v;
}

/* The load's register gets @data; RIP moves past the instruction. */
static void mmio_finish_load(struct minikvm_vcpu *vcpu, const struct insn_mmio *insn, u64 data)
{
	minikvm_register_write(vcpu, insn->reg,
			       mmio_load_value(insn, data, minikvm_register_read(vcpu, insn->reg)));
	minikvm_advance_rip(vcpu, insn->len);
}

/**
 * mmio_complete() - finish an MMIO read userspace has answered
 * @vcpu: the vCPU, at the start of KVM_RUN (its complete_userspace_io)
 *
 * Return: 1 to go on into the guest.
 */
static int mmio_complete(struct minikvm_vcpu *vcpu)
{
	struct minikvm_pending_mmio *m = &vcpu->mmio;
	u64 data;

	/* Userspace moved RIP: the read is abandoned, as in KVM. */
	if (minikvm_rip_read(vcpu) != m->rip)
		return 1;
	memcpy(&data, vcpu->run->mmio.data, sizeof(data));
	mmio_finish_load(vcpu, &m->insn, data);
	return 1;
}
