// SPDX-License-Identifier: GPL-2.0
/*
 * IN, OUT, INS, OUTS (with and without REP). A plain IN or OUT to a port
 * a kernel device answers (core/iobus.c: the irqchip, ioeventfds) ends in
 * the kernel; every other access belongs to userspace, so each exits to
 * it with KVM_EXIT_IO, laid out as KVM lays
 * it out: data in the vCPU mmap at io.data_offset (the page after the
 * kvm_run page), io.count elements of io.size bytes. Like KVM's
 * emulator, OUTS sends one element per exit and REP INS reads ahead a
 * batch; data userspace leaves alone reads as zeros.
 *
 * As with KVM, RIP still points at the instruction while userspace sees
 * the exit; the next KVM_RUN completes it (vmx_complete_userspace_io(),
 * the vCPU's complete_userspace_io hook):
 * an IN's data goes to RAX or memory, string registers advance, and RIP
 * moves on, or stays to repeat a REP that has elements left. If userspace
 * changed RIP meanwhile, the completion is dropped, as in KVM.
 *
 * The memory operand of INS/OUTS is reached with the rights the CPU
 * checks (U/S and R/W of the guest's page tables, CPL, CR0.WP, SMAP): an
 * OUTS whose source faults takes the #PF before any exit, an INS whose
 * destination faults takes it at the completion, after userspace has
 * answered the read, both as with KVM's emulator.
 *
 * SDM Vol. 3C, "Exit Qualification for I/O Instructions" and
 * "VM-Exit Instruction Information" (INS/OUTS).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

#define IO_QUAL_SIZE(q)		(((q) & 7) + 1)
#define IO_QUAL_IN(q)		((q) & BIT(3))
#define IO_QUAL_STRING(q)	((q) & BIT(4))
#define IO_QUAL_REP(q)		((q) & BIT(5))
#define IO_QUAL_PORT(q)		(((q) >> 16) & 0xffff)
#define IO_INFO_ADDR_SIZE(i)	(((i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */

static const unsigned long io_addr_masks[] = { 0xffff, 0xffffffff, ~0ul };

/* The size of KVM's PIO read-ahead buffer (struct read_cache). */
#define IO_READ_AHEAD	1024

static int vmx_complete_userspace_io(struct minikvm_vcpu *vcpu);

/*
 * An element of INS/OUTS to or from guest-linear memory, with the access
 * rights the CPU checks (mmu_gva_access()). A #PF or #GP is queued for
 * the guest (CR2 set for a #PF, as KVM's emulator delivers it): 1. Memory
 * that cannot be emulated: -EFAULT.
 */
static int io_copy_guest(struct minikvm_vcpu *vcpu, unsigned long gva, void *buf,
			 unsigned int len, bool to_guest)
{
	struct mmu_gva_fault fault;
	int ret = mmu_gva_access(vcpu, gva, buf, len, to_guest, &fault);

	if (ret <= 0)
		return ret;
	if (fault.vector == PF_VECTOR)
		to_vmx(vcpu)->cr2 = fault.address;
	mvmx_queue_exception(vcpu, fault.vector, true, fault.error_code);
	return 1;
}

/* Element i of a string operation, in the order the CPU would touch it. */
static unsigned long io_elem_addr(struct minikvm_pending_io *io, unsigned int i)
{
	return io->backward ? io->linear - (unsigned long)i * io->size :
			      io->linear + (unsigned long)i * io->size;
}

static int io_string_setup(struct minikvm_vcpu *vcpu, struct minikvm_pending_io *io)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	unsigned int asz = IO_INFO_ADDR_SIZE(info);
	unsigned long count, room, di;
	int ret;

	if (asz >= ARRAY_SIZE(io_addr_masks))
		return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	io->addr_mask = io_addr_masks[asz];
	io->linear = vmcs_readl(GUEST_LINEAR_ADDRESS);
	io->backward = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;
	count = io->rep ? to_vmx(vcpu)->regs[__VCPU_REGS_RCX] & io->addr_mask : 1;
	if (!count) {
		/* REP with RCX = 0 does nothing. */
		mvmx_skip_instruction(vcpu);
		return RESUME_GUEST;
	}
	if (!io->in) {
		/* KVM's emulator sends OUTS one element per exit. */
		io->count = 1;
		ret = io_copy_guest(vcpu, io->linear, vcpu->pio_data, io->size, false);
		if (ret < 0)
			return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
		return ret ? RESUME_GUEST : EXIT_TO_USER;
	}
	/*
	 * INS reads ahead as KVM's pio_in_emulated() does: up to its 1 KiB
	 * buffer, and no more than the "room" left in RDI's page, a byte
	 * count compared with an element count exactly as KVM compares it.
	 */
	di = to_vmx(vcpu)->regs[__VCPU_REGS_RDI];
	room = io->backward ? offset_in_page(di) : PAGE_SIZE - offset_in_page(di);
	io->count = min3(room, IO_READ_AHEAD / io->size, count);
	if (!io->count)
		io->count = 1;
	return EXIT_TO_USER;
}

/*
 * A device on the kernel's port bus (core/iobus.c) may answer a plain IN
 * or OUT; then no exit reaches userspace. String I/O always goes there.
 */
static bool io_in_kernel(struct minikvm_vcpu *vcpu, struct minikvm_pending_io *io, u16 port)
{
	unsigned long *rax = &to_vmx(vcpu)->regs[__VCPU_REGS_RAX];
	u32 val = 0;

	if (io->in) {
		if (minikvm_io_bus_read(vcpu, MINIKVM_PIO_BUS, port, io->size, &val))
			return false;
		/* 8/16-bit IN keep the rest of RAX; 32-bit zero-extends. */
		if (io->size == 4)
			*rax = val;
		else
			*rax = (*rax & ~((1ul << (io->size * 8)) - 1)) | val;
	} else if (minikvm_io_bus_write(vcpu, MINIKVM_PIO_BUS, port, io->size, rax)) {
		return false;
	}
	mvmx_skip_instruction(vcpu);
	return true;
}

int mvmx_handle_io(struct minikvm_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;
	struct minikvm_pending_io *io = &vcpu->io;
	struct kvm_run *run = vcpu->run;
	int ret;

	*io = (struct minikvm_pending_io) {
		.in = IO_QUAL_IN(q),
		.string = IO_QUAL_STRING(q),
		.rep = IO_QUAL_REP(q),
		.size = IO_QUAL_SIZE(q),
		.count = 1,
		.rip = vmcs_readl(GUEST_RIP),
	};
	if (!io->string && io_in_kernel(vcpu, io, IO_QUAL_PORT(q)))
		return RESUME_GUEST;
	if (io->string) {
		ret = io_string_setup(vcpu, io);
		if (ret != EXIT_TO_USER)
			return ret;
	} else if (!io->in) {
		memcpy(vcpu->pio_data, &to_vmx(vcpu)->regs[__VCPU_REGS_RAX], io->size);
	}
	/* What userspace does not fill in reads as zeros, as with KVM. */
	if (io->in)
		memset(vcpu->pio_data, 0, io->size * io->count);
	vcpu->complete_userspace_io = vmx_complete_userspace_io;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = io->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = IO_QUAL_PORT(q);
	run->io.count = io->count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	return EXIT_TO_USER;
}

/* Add @delta elements to a string register within the address size. */
static void io_advance(unsigned long *reg, long delta, unsigned long mask)
{
	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

/**
 * vmx_complete_userspace_io() - finish the I/O exit userspace handled
 * @vcpu: the vCPU, loaded, at the start of KVM_RUN (its complete_userspace_io)
 *
 * A REP completes at most RCX elements, whatever userspace wrote to RCX
 * during the exit. An INS element whose store faults ends the instruction
 * there, as on the CPU: the elements before it are done (RDI and RCX count them), RIP
 * stays, and the guest takes the #PF; the rest of the read-ahead is
 * dropped, as KVM drops it.
 *
 * Return: 1 to enter the guest, or EXIT_TO_USER/-errno from an internal
 * error (guest memory gone, or not memory minikvm writes, under an INS).
 */
static int vmx_complete_userspace_io(struct minikvm_vcpu *vcpu)
{
	struct minikvm_pending_io *io = &vcpu->io;
	unsigned long *regs = to_vmx(vcpu)->regs;
	unsigned int i, done = io->count;
	int ret = 0;

	if (vmcs_readl(GUEST_RIP) != io->rip)
		return 1;

	if (!io->string) {
		if (io->in) {
			/* 8/16-bit IN keep the rest of RAX; 32-bit zero-extends. */
			unsigned long val = io->size < 4 ? regs[__VCPU_REGS_RAX] : 0;

			memcpy(&val, vcpu->pio_data, io->size);
			regs[__VCPU_REGS_RAX] = val;
		}
		mvmx_skip_instruction(vcpu);
		return 1;
	}

	/*
	 * Userspace may have lowered RCX meanwhile (Linux's userspace_io_test
	 * does): no more elements than it now asks for, as KVM's emulator,
	 * so a REP never runs past RCX = 0 and through the guest's buffer.
	 */
	if (io->rep)
		done = min_t(unsigned long, done, regs[__VCPU_REGS_RCX] & io->addr_mask);
	for (i = 0; io->in && i < done; i++) {
		ret = io_copy_guest(vcpu, io_elem_addr(io, i), vcpu->pio_data + i * io->size,
				    io->size, true);
		if (ret < 0)
			return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
		if (ret) {
			done = i;
			break;
		}
	}
	io_advance(&regs[io->in ? __VCPU_REGS_RDI : __VCPU_REGS_RSI],
		   (io->backward ? -1L : 1L) * done * io->size, io->addr_mask);
	if (io->rep) {
		io_advance(&regs[__VCPU_REGS_RCX], -(long)done, io->addr_mask);
		/* Elements left: leave RIP on the instruction, it exits again. */
		if (ret || (regs[__VCPU_REGS_RCX] & io->addr_mask))
			return 1;
	}
	if (!ret)
		mvmx_skip_instruction(vcpu);
	return 1;
}
