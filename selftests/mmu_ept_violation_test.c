// SPDX-License-Identifier: GPL-2.0
/*
 * A guest page fault that waits on the VMM (mmu/ept_violation.c): the
 * slot's memory is a userfaultfd region, so faulting the page in for the
 * guest sleeps until the test answers. Meanwhile another thread's VM
 * ioctls on another slot must complete, and the guest then gets the page
 * the test supplied. Before, minikvm held the VM's slot lock across the
 * pin, so a fault that waited on the VMM held up every slot ioctl; and on
 * this kernel (6.1) the long-term pin does not wait on userfaultfd at
 * all, so KVM_RUN failed with -EFAULT where KVM waits (postcopy).
 *
 * KVM_GET_DIRTY_LOG completes on both devices. A new slot
 * (KVM_SET_USER_MEMORY_REGION) is checked on minikvm only: KVM publishes
 * slots under SRCU and waits for every reader, and the faulting vCPU is
 * one (Documentation/memory.rst); on /dev/kvm the test logs what it saw.
 *
 * The pages minikvm pins for a guest count against the VMM's
 * RLIMIT_MEMLOCK (mm->pinned_vm, VmPin in /proc/PID/status), as RDMA and
 * io_uring count theirs: without CAP_IPC_LOCK, a guest touch that would
 * pin past the limit makes KVM_RUN fail with ENOMEM, and works again once
 * the limit allows it; deleting the slot gives the charge back. KVM does
 * not pin guest memory, so this case skips on /dev/kvm.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define UFFD_GPA	0x600000ull
#define LOG_GPA		0x800000ull
#define NEW_GPA		0xa00000ull
#define PATTERN		0x1122334455667788ull

struct fault_run {
	struct kvm_vcpu *vcpu;
	int exit;		/* mmu_guest_op()'s answer */
	uint64_t val;
};

static void *fault_thread(void *arg)
{
	struct fault_run *f = arg;

	f->exit = mmu_guest_op(f->vcpu, MMU_READ, UFFD_GPA, 0, 0);
	f->val = mmu_guest_mbox(f->vcpu)->result;
	return NULL;
}

struct vm_ioctl {
	int fd;
	unsigned long req;
	void *arg;
	int ret;		/* -errno */
	int done;		/* TEST_LOAD/TEST_STORE */
};

static void *ioctl_thread(void *arg)
{
	struct vm_ioctl *c = arg;

	c->ret = ioctl(c->fd, c->req, c->arg) ? -errno : 0;
	TEST_STORE(c->done, 1);
	return NULL;
}

/* Run the ioctl in a thread; true when it completed within @ms. */
static bool ioctl_completes(struct vm_ioctl *c, pthread_t *t, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	TEST_STORE(c->done, 0);
	if (pthread_create(t, NULL, ioctl_thread, c))
		return false;
	for (int i = 0; i < ms / 10 && !TEST_LOAD(c->done); i++)
		nanosleep(&ts, NULL);
	return TEST_LOAD(c->done);
}

TEST(vm_ioctls_complete_while_a_vcpu_waits_on_userfaultfd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct fault_run f = { 0 };
	unsigned long bitmap = 0;
	struct kvm_dirty_log log = { .slot = 2, .dirty_bitmap = &bitmap };
	struct kvm_userspace_memory_region newslot;
	struct vm_ioctl dlog, mslot;
	struct uffdio_copy copy;
	struct uffd_msg msg;
	bool dlog_done, mslot_done;
	pthread_t ft, dt, mt;
	struct pollfd pfd;
	uint64_t *src;
	struct kvm_vm *vm;
	void *region;
	int uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd here (errno %d)", errno);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));

	vm = vm_create(GUEST_MEM_SIZE);
	f.vcpu = mmu_guest_create(vm, 0);
	region = mmu_alloc(4096, 4096);
	reg.range.start = (uintptr_t)region;
	reg.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	mmu_set_slot(vm, 1, 0, UFFD_GPA, region, 4096);
	mmu_set_slot(vm, 2, KVM_MEM_LOG_DIRTY_PAGES, LOG_GPA, mmu_alloc(4096, 4096), 4096);

	/* The vCPU faults on the region and waits for the test's answer. */
	ASSERT_EQ(0, pthread_create(&ft, NULL, fault_thread, &f));
	pfd = (struct pollfd) { .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("the vCPU never waited on the region");
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	dlog = (struct vm_ioctl) { .fd = vm->fd, .req = KVM_GET_DIRTY_LOG, .arg = &log };
	dlog_done = ioctl_completes(&dlog, &dt, 3000);
	newslot = (struct kvm_userspace_memory_region) {
		.slot = 3, .guest_phys_addr = NEW_GPA, .memory_size = 4096,
		.userspace_addr = (uintptr_t)mmu_alloc(4096, 4096),
	};
	mslot = (struct vm_ioctl) { .fd = vm->fd, .req = KVM_SET_USER_MEMORY_REGION,
				    .arg = &newslot };
	mslot_done = dlog_done && ioctl_completes(&mslot, &mt, 3000);

	/* Answer the fault whatever happened, so every thread ends. */
	src = mmu_alloc(4096, 4096);
	src[0] = PATTERN;
	copy = (struct uffdio_copy) { .dst = (uintptr_t)region, .src = (uintptr_t)src,
				      .len = 4096 };
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	pthread_join(ft, NULL);
	pthread_join(dt, NULL);
	if (dlog_done)
		pthread_join(mt, NULL);

	EXPECT_TRUE(dlog_done) TH_LOG("KVM_GET_DIRTY_LOG waited for the fault");
	EXPECT_EQ(0, dlog.ret);
	if (test_dev_is_minikvm()) {
		EXPECT_TRUE(mslot_done) TH_LOG("KVM_SET_USER_MEMORY_REGION waited for the fault");
		EXPECT_EQ(0, mslot.ret);
	} else {
		TH_LOG("/dev/kvm: a new slot %s while the vCPU faulted",
		       mslot_done ? "completed" : "waited");
	}
	/* The guest got the page the test supplied. */
	EXPECT_EQ(KVM_EXIT_IO, f.exit);
	EXPECT_EQ(PATTERN, f.val);
	close(uffd);
	vm_free(vm);
}

#define MEMLOCK_GPA	0xc00000ull
#define MEMLOCK_PAGES	16
#define MEMLOCK_ROOM	4	/* pages the lowered limit leaves */

/* VmPin of this process, in pages; -1 when the kernel does not show it. */
static long vm_pinned_pages(void)
{
	long kb = -1;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPin:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb / 4;
}

/* Drop CAP_IPC_LOCK from the effective set: the limit then applies. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static void set_memlock_pages(long pages)
{
	struct rlimit rl = { .rlim_cur = pages * 4096, .rlim_max = RLIM_INFINITY };

	TEST_ASSERT(!setrlimit(RLIMIT_MEMLOCK, &rl), "setrlimit(RLIMIT_MEMLOCK)");
}

TEST(pinned_pages_count_against_rlimit_memlock)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long base, during;
	int i, ret;

	if (!test_dev_is_minikvm())
		SKIP(return, "KVM does not pin guest memory: nothing to charge");
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = mmu_guest_create(vm, 0);
	mmu_set_slot(vm, 1, 0, MEMLOCK_GPA, mmu_alloc(MEMLOCK_PAGES * 4096, 4096),
		     MEMLOCK_PAGES * 4096);
	/* A first read pins whatever the guest's read path needs besides. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_READ, 0x100000, 0, 0));
	ASSERT_EQ(0, drop_ipc_lock());
	base = vm_pinned_pages();
	ASSERT_GE(base, 0);
	set_memlock_pages(base + MEMLOCK_ROOM);

	for (i = 0; i < MEMLOCK_PAGES; i++) {
		ret = mmu_guest_op(vcpu, MMU_READ, MEMLOCK_GPA + i * 4096ull, 0, 0);
		if (ret != KVM_EXIT_IO)
			break;
	}
	EXPECT_EQ(MEMLOCK_ROOM, i) TH_LOG("pinned past RLIMIT_MEMLOCK");
	EXPECT_EQ(-ENOMEM, ret);
	during = vm_pinned_pages();
	EXPECT_EQ(base + MEMLOCK_ROOM, during);

	/* A higher limit: the same access goes through. */
	set_memlock_pages(base + MEMLOCK_PAGES);
	EXPECT_EQ(KVM_EXIT_IO, mmu_guest_resume(vcpu));
	EXPECT_EQ(base + MEMLOCK_ROOM + 1, vm_pinned_pages());

	/* The slot goes: its pins and their charge go with it. */
	mmu_set_slot(vm, 1, 0, MEMLOCK_GPA, NULL, 0);
	EXPECT_EQ(base, vm_pinned_pages());
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
