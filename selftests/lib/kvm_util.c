// SPDX-License-Identifier: GPL-2.0
/*
 * VM, memory and vCPU plumbing for the selftests: the ioctl sequence every
 * KVM program goes through (KVM_CREATE_VM, KVM_SET_TSS_ADDR,
 * KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, mmap of kvm_run).
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "test_util.h"

/*
 * The TSS and identity-map pages KVM wants below 4 GiB for real-mode
 * emulation without unrestricted guest; QEMU's addresses, far from the
 * guest's memory slot.
 */
#define TSS_ADDR	0xfffbd000ul
#define IDENTITY_ADDR	0xfeffc000ul

struct kvm_vm *vm_create(uint64_t mem_size)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	uint64_t ident = IDENTITY_ADDR;
	int ret;

	TEST_ASSERT(vm, "calloc");
	vm->dev_fd = test_open_dev();
	vm->fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM on %s", test_dev_path);
	vm->run_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(vm->run_size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE returned %d", vm->run_size);

	/* Both must precede KVM_CREATE_VCPU (KVM refuses them afterwards). */
	ret = ioctl(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR);
	TEST_ASSERT(ret == 0, "KVM_SET_TSS_ADDR");
	ret = ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	TEST_ASSERT(ret == 0, "KVM_SET_IDENTITY_MAP_ADDR");

	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(vm->mem != MAP_FAILED, "mmap guest memory");
	vm_set_memory(vm, 0, 0, vm->mem, mem_size);
	return vm;
}

void vm_set_memory(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		   void *host, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r),
		    "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx",
		    slot, (unsigned long long)gpa);
}

void vm_free(struct kvm_vm *vm)
{
	close(vm->fd);
	close(vm->dev_fd);
	munmap(vm->mem, vm->mem_size);
	free(vm);
}

void *vm_gpa(struct kvm_vm *vm, uint64_t gpa)
{
	TEST_ASSERT(gpa < vm->mem_size, "GPA 0x%llx outside guest memory",
		    (unsigned long long)gpa);
	return vm->mem + gpa;
}

void vm_load_code(struct kvm_vm *vm, uint64_t gpa, const char *start,
		  const char *end)
{
	TEST_ASSERT(end > start && gpa + (end - start) <= vm->mem_size,
		    "guest code does not fit");
	memcpy(vm_gpa(vm, gpa), start, end - start);
}

struct kvm_vcpu *vcpu_create(struct kvm_vm *vm, int id)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));

	TEST_ASSERT(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	TEST_ASSERT(vcpu->fd >= 0, "KVM_CREATE_VCPU %d", id);
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap kvm_run");
	return vcpu;
}

void vcpu_free(struct kvm_vcpu *vcpu)
{
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret;

	/* A signal meant for someone else must not fail the test. */
	do {
		ret = __vcpu_run(vcpu);
	} while (ret == -1 && errno == EINTR);
	TEST_ASSERT(ret == 0, "KVM_RUN vcpu %d", vcpu->id);
}

void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_REGS, regs), "KVM_GET_REGS");
}

void vcpu_set_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_REGS, regs), "KVM_SET_REGS");
}

void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_SREGS, sregs), "KVM_GET_SREGS");
}

void vcpu_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_SREGS, sregs), "KVM_SET_SREGS");
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(int dev_fd)
{
	const int max = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));

	TEST_ASSERT(c, "calloc");
	c->nent = max;
	TEST_ASSERT(!ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, c),
		    "KVM_GET_SUPPORTED_CPUID");
	return c;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx)
			return e;
	}
	return NULL;
}

void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid), "KVM_SET_CPUID2");
}

/* Both return KVM's count of MSRs processed: 1 on success, 0 if refused. */
int vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index, .e.data = value };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}

int vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };
	int ret = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*value = m.e.data;
	return ret;
}

const char *exit_reason_str(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "other";
}

uint32_t vcpu_run_until_out(struct kvm_vcpu *vcpu, uint16_t port)
{
	struct kvm_run *run = vcpu->run;
	uint32_t val = 0;

	vcpu_run(vcpu);
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_EXC &&
	    port != PORT_EXC) {
		TEST_ASSERT(0, "guest exception vector %u",
			    *(uint32_t *)io_data(vcpu));
	}
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.port == port,
		    "expected OUT to 0x%x, got exit %u (%s) port 0x%x dir %u",
		    port, run->exit_reason, exit_reason_str(run->exit_reason),
		    run->io.port, run->io.direction);
	memcpy(&val, io_data(vcpu), run->io.size);
	return val;
}

void vcpu_run_until_hlt(struct kvm_vcpu *vcpu)
{
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_HLT,
		    "expected HLT, got exit %u (%s) port 0x%x",
		    vcpu->run->exit_reason,
		    exit_reason_str(vcpu->run->exit_reason), vcpu->run->io.port);
}
