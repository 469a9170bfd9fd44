// SPDX-License-Identifier: GPL-2.0
/*
 * An ioctl fuzzer for the device, VM and vCPU fds: several threads issue
 * random ioctls from the KVM ABI (and random numbers of KVM's and
 * minikvm's ioctl types) on a shared table of fds, with arguments that are
 * random integers, NULL, kernel addresses, unmapped addresses, structures
 * that end on a guard page, random bytes, or plausible structures with a
 * few bits flipped. One thread closes and recreates VM and vCPU fds while
 * the others use them, and a watchdog signals the workers every few
 * milliseconds so that KVM_RUN and every other ioctl is interrupted at
 * random points.
 *
 * What it asserts: the process survives, every call returns (the test's
 * time bound catches a hang), and afterwards the device still creates a
 * VM that runs a guest to HLT. What it is for is the test VM's kernel-log
 * check: any oops, WARN, KASAN or lockdep report while this runs fails
 * the run. Calls and errors by kind are printed, so a change in what the
 * module answers shows in the log.
 *
 * Bounded by count and time, seeded, so a failure can be replayed:
 *   MINIKVM_FUZZ_SEED     (default 1)
 *   MINIKVM_FUZZ_SECONDS  (default 10)
 *   MINIKVM_FUZZ_CALLS    (default 10000, over all threads)
 *   MINIKVM_FUZZ_HOST_SECONDS  (default 0: none) seconds of the host's
 *                         wall time, asked of tools/testvm/host-clock.py
 *                         on MINIKVM_FUZZ_HOST_CLOCK (default /dev/ttyS1)
 * whichever runs out first. make check runs the defaults: on the cloud
 * kernel the calls run out first (40000 of them were the longest part of
 * make check, about 8 minutes of a VM's wall time for both devices), on
 * the debug kernel the seconds. make fuzz runs a long one, FUZZ_SECONDS
 * (30 minutes by default) of host wall time on each device, with
 * FUZZ_SEED, passed in through test-vm.sh --env and --host-clock: the
 * guest's own seconds under Bochs follow the instruction count and ran
 * hours of host time for 30 guest minutes. Slot sizes are
 * kept at 64 MiB or less: this is a crash finder, not a memory stress.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "uapi/minikvm.h"

#define NR_WORKERS	3
#define NR_VCPUS	3
#define SLOT_SIZE	(2ul << 20)
#define SCRATCH_SIZE	(64ul << 10)
#define KERNEL_PTR	0xffffffff81000000ul

enum fd_kind { FD_DEV, FD_VM, FD_VCPU, NR_FD_KINDS };

/* fds[0]: device, fds[1]: VM, fds[2..]: vCPUs of that VM. */
#define FD_SLOT_VM	1
#define FD_SLOT_VCPU0	2
#define NR_FD_SLOTS	(FD_SLOT_VCPU0 + NR_VCPUS)

struct fuzz_ioctl {
	const char *name;
	unsigned long nr;
	enum fd_kind kind;
};

#define IOC(x, k)	{ #x, x, k }
static const struct fuzz_ioctl ioctls[] = {
	IOC(KVM_GET_API_VERSION, FD_DEV),
	IOC(KVM_CHECK_EXTENSION, FD_DEV),
	IOC(KVM_GET_VCPU_MMAP_SIZE, FD_DEV),
	IOC(KVM_GET_SUPPORTED_CPUID, FD_DEV),
	IOC(KVM_GET_MSR_INDEX_LIST, FD_DEV),
	IOC(KVM_GET_MSR_FEATURE_INDEX_LIST, FD_DEV),
	IOC(MINIKVM_GET_VMX_INFO, FD_DEV),
	IOC(KVM_CHECK_EXTENSION, FD_VM),
	IOC(KVM_SET_USER_MEMORY_REGION, FD_VM),
	IOC(KVM_GET_DIRTY_LOG, FD_VM),
	IOC(KVM_SET_TSS_ADDR, FD_VM),
	IOC(KVM_SET_IDENTITY_MAP_ADDR, FD_VM),
	IOC(KVM_CREATE_IRQCHIP, FD_VM),
	IOC(KVM_IRQ_LINE, FD_VM),
	IOC(KVM_IRQ_LINE_STATUS, FD_VM),
	IOC(KVM_GET_IRQCHIP, FD_VM),
	IOC(KVM_SET_IRQCHIP, FD_VM),
	IOC(KVM_SET_GSI_ROUTING, FD_VM),
	IOC(KVM_SIGNAL_MSI, FD_VM),
	IOC(KVM_IRQFD, FD_VM),
	IOC(KVM_ENABLE_CAP, FD_VM),
	IOC(KVM_RUN, FD_VCPU),
	IOC(KVM_GET_REGS, FD_VCPU),
	IOC(KVM_SET_REGS, FD_VCPU),
	IOC(KVM_GET_SREGS, FD_VCPU),
	IOC(KVM_SET_SREGS, FD_VCPU),
	IOC(KVM_GET_FPU, FD_VCPU),
	IOC(KVM_SET_FPU, FD_VCPU),
	IOC(KVM_GET_VCPU_EVENTS, FD_VCPU),
	IOC(KVM_SET_VCPU_EVENTS, FD_VCPU),
	IOC(KVM_GET_DEBUGREGS, FD_VCPU),
	IOC(KVM_SET_DEBUGREGS, FD_VCPU),
	IOC(KVM_SET_CPUID2, FD_VCPU),
	IOC(KVM_GET_CPUID2, FD_VCPU),
	IOC(KVM_GET_MSRS, FD_VCPU),
	IOC(KVM_SET_MSRS, FD_VCPU),
	IOC(KVM_TRANSLATE, FD_VCPU),
	IOC(KVM_INTERRUPT, FD_VCPU),
	IOC(KVM_NMI, FD_VCPU),
	IOC(KVM_GET_MP_STATE, FD_VCPU),
	IOC(KVM_SET_MP_STATE, FD_VCPU),
	IOC(KVM_GET_XCRS, FD_VCPU),
	IOC(KVM_SET_XCRS, FD_VCPU),
	IOC(MINIKVM_TRANSLATE_CHAIN, FD_VCPU),
};

static struct {
	int fds[NR_FD_SLOTS];
	uint8_t *slot_mem;		/* backs the plausible memory slots */
	uint8_t *unmapped;		/* a page that is never mapped */
	uint8_t *guard_end;		/* a readable page, then PROT_NONE */
	long calls_left;
	struct timespec deadline;
	bool stop;
	/* Results by ioctl and by errno (0: success). */
	unsigned long calls[ARRAY_SIZE(ioctls) + 1];
	unsigned long oks[ARRAY_SIZE(ioctls) + 1];
	unsigned long errnos[135];
} fz;

static uint64_t rnd(uint64_t *s)	/* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static bool chance(uint64_t *s, unsigned int percent)
{
	return rnd(s) % 100 < percent;
}

static bool fuzz_over(void)
{
	struct timespec now;

	if (TEST_LOAD(fz.stop))
		return true;
	if (__atomic_sub_fetch(&fz.calls_left, 1, __ATOMIC_SEQ_CST) < 0)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > fz.deadline.tv_sec ||
	       (now.tv_sec == fz.deadline.tv_sec && now.tv_nsec > fz.deadline.tv_nsec);
}

/* A VM with one slot over fz.slot_mem and NR_VCPUS vCPUs in real mode. */
static void fuzz_new_vm(uint64_t *s)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .memory_size = SLOT_SIZE,
		.userspace_addr = (uintptr_t)fz.slot_mem,
	};
	int vm, i, old;

	vm = ioctl(fz.fds[0], KVM_CREATE_VM, 0);
	if (vm < 0)
		return;
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
	old = __atomic_exchange_n(&fz.fds[FD_SLOT_VM], vm, __ATOMIC_SEQ_CST);
	if (old >= 0)
		close(old);
	for (i = 0; i < NR_VCPUS; i++) {
		int vcpu = ioctl(vm, KVM_CREATE_VCPU, i);
		struct kvm_sregs sr;
		struct kvm_regs regs = { .rflags = 2, .rip = rnd(s) % SLOT_SIZE };

		/* Real mode at a random byte of the random slot. */
		if (vcpu >= 0 && ioctl(vcpu, KVM_GET_SREGS, &sr) == 0) {
			sr.cs.base = 0;
			sr.cs.selector = 0;
			ioctl(vcpu, KVM_SET_SREGS, &sr);
			ioctl(vcpu, KVM_SET_REGS, &regs);
		}

		old = __atomic_exchange_n(&fz.fds[FD_SLOT_VCPU0 + i], vcpu,
					  __ATOMIC_SEQ_CST);
		if (old >= 0)
			close(old);
	}
}

/*
 * A plausible argument for @io: valid memory with random contents, and
 * for the structures whose fields decide the path taken, fields in range
 * with some bits flipped.
 */
static void fill_plausible(uint64_t *s, const struct fuzz_ioctl *io, uint8_t *buf)
{
	size_t i;

	for (i = 0; i < SCRATCH_SIZE / 8; i++)
		((uint64_t *)buf)[i] = chance(s, 50) ? rnd(s) : 0;

	switch (io->nr) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region *r = (void *)buf;

		r->slot = rnd(s) % 40;
		r->flags = chance(s, 80) ? rnd(s) % 4 : rnd(s);
		r->guest_phys_addr = (rnd(s) % 64) << (chance(s, 80) ? 21 : 40);
		r->memory_size = chance(s, 20) ? 0 : (rnd(s) % (SLOT_SIZE >> 12)) << 12;
		r->userspace_addr = (uintptr_t)fz.slot_mem + ((rnd(s) % 16) << 12);
		if (chance(s, 10))
			r->userspace_addr = (uintptr_t)fz.unmapped;
		break;
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log *l = (void *)buf;

		l->slot = rnd(s) % 40;
		l->dirty_bitmap = chance(s, 70) ? buf + 4096 : (void *)fz.guard_end;
		break;
	}
	case KVM_SET_CPUID2:
	case KVM_GET_CPUID2:
	case KVM_GET_SUPPORTED_CPUID:
		((struct kvm_cpuid2 *)buf)->nent = rnd(s) % 300;
		break;
	case KVM_GET_MSRS:
	case KVM_SET_MSRS: {
		struct kvm_msrs *m = (void *)buf;
		static const uint32_t msrs[] = {
			0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xfe, 0x174, 0x175, 0x176,
			0x179, 0x17a, 0x1a0, 0x200, 0x201, 0x250, 0x277, 0x2ff,
			0x6e0, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084,
			0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
		};

		m->nmsrs = rnd(s) % 300;
		for (i = 0; i < 32; i++)
			m->entries[i].index = chance(s, 80) ?
				msrs[rnd(s) % ARRAY_SIZE(msrs)] : (uint32_t)rnd(s);
		break;
	}
	case KVM_GET_MSR_INDEX_LIST:
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		((struct kvm_msr_list *)buf)->nmsrs = rnd(s) % 200;
		break;
	case KVM_SET_SREGS: {
		struct kvm_sregs *sr = (void *)buf;
		int fd = TEST_LOAD(fz.fds[FD_SLOT_VCPU0 + rnd(s) % NR_VCPUS]);

		/* Start from a real vCPU's state and flip a few bits. */
		if (fd >= 0 && ioctl(fd, KVM_GET_SREGS, sr) == 0)
			for (i = rnd(s) % 4; i > 0; i--)
				buf[rnd(s) % sizeof(*sr)] ^= 1 << (rnd(s) % 8);
		break;
	}
	}
}

/* The argument of one call: an integer or a pointer of one of seven kinds. */
static unsigned long fuzz_arg(uint64_t *s, const struct fuzz_ioctl *io, uint8_t *buf)
{
	size_t size = _IOC_SIZE(io->nr);

	if (_IOC_DIR(io->nr) == _IOC_NONE)
		return chance(s, 70) ? rnd(s) % 64 : rnd(s);

	switch (rnd(s) % 10) {
	case 0:
		return 0;
	case 1:
		return KERNEL_PTR + (rnd(s) % 4096);
	case 2:
		return (uintptr_t)fz.unmapped;
	case 3:		/* the structure's last bytes fall on the guard page */
		return (uintptr_t)(fz.guard_end - (size ? rnd(s) % size : 0));
	default:
		fill_plausible(s, io, buf);
		return (uintptr_t)buf;
	}
}

static void fuzz_count(unsigned int which, long ret)
{
	int e = ret < 0 ? errno : 0;

	__atomic_add_fetch(&fz.calls[which], 1, __ATOMIC_RELAXED);
	if (!e)
		__atomic_add_fetch(&fz.oks[which], 1, __ATOMIC_RELAXED);
	if (e >= 0 && e < (int)ARRAY_SIZE(fz.errnos))
		__atomic_add_fetch(&fz.errnos[e], 1, __ATOMIC_RELAXED);
}

static void *fuzz_worker(void *arg)
{
	uint64_t seed = (uintptr_t)arg;
	uint8_t *buf = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return NULL;
	while (!fuzz_over()) {
		const struct fuzz_ioctl *io = &ioctls[rnd(&seed) % ARRAY_SIZE(ioctls)];
		unsigned long nr = io->nr, a;
		int slot, fd;
		long ret;

		if (io->kind == FD_DEV)
			slot = 0;
		else if (io->kind == FD_VM)
			slot = FD_SLOT_VM;
		else
			slot = FD_SLOT_VCPU0 + rnd(&seed) % NR_VCPUS;
		if (chance(&seed, 5))		/* any fd for any ioctl */
			slot = rnd(&seed) % NR_FD_SLOTS;
		fd = TEST_LOAD(fz.fds[slot]);

		a = fuzz_arg(&seed, io, buf);
		if (chance(&seed, 3)) {		/* an unknown number of either type */
			nr = _IOC(rnd(&seed) % 4, chance(&seed, 50) ? KVMIO : MINIKVMIO,
				  rnd(&seed) % 256, rnd(&seed) % 512);
			io = NULL;
		}
		ret = ioctl(fd, nr, a);
		fuzz_count(io ? io - ioctls : ARRAY_SIZE(ioctls), ret);
	}
	munmap(buf, SCRATCH_SIZE);
	return NULL;
}

/* Closes and recreates the VM and its vCPUs while the workers use them. */
static void *fuzz_reaper(void *arg)
{
	uint64_t seed = (uintptr_t)arg;

	while (!TEST_LOAD(fz.stop)) {
		usleep(1000 + rnd(&seed) % 20000);
		if (chance(&seed, 30)) {
			fuzz_new_vm(&seed);
		} else {
			int slot = FD_SLOT_VCPU0 + rnd(&seed) % NR_VCPUS;
			int vm = TEST_LOAD(fz.fds[FD_SLOT_VM]);
			int fd = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, rnd(&seed) % 8) : -1;

			fd = __atomic_exchange_n(&fz.fds[slot], fd, __ATOMIC_SEQ_CST);
			if (fd >= 0)
				close(fd);
		}
	}
	return NULL;
}

static void fuzz_sig(int sig)
{
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

static void fuzz_report(void)
{
	static const struct { int e; const char *name; } names[] = {
		{ 0, "ok" }, { EINVAL, "EINVAL" }, { EFAULT, "EFAULT" },
		{ ENOTTY, "ENOTTY" }, { EBADF, "EBADF" }, { EEXIST, "EEXIST" },
		{ ENOENT, "ENOENT" }, { E2BIG, "E2BIG" }, { EINTR, "EINTR" },
		{ ENOMEM, "ENOMEM" }, { EIO, "EIO" }, { EBUSY, "EBUSY" },
		{ ENXIO, "ENXIO" }, { EPERM, "EPERM" }, { EAGAIN, "EAGAIN" },
	};
	unsigned long total = 0, shown = 0;
	size_t i;

	for (i = 0; i <= ARRAY_SIZE(ioctls); i++)
		total += fz.calls[i];
	printf("# %lu calls, %lu with an unknown ioctl number\n", total,
	       fz.calls[ARRAY_SIZE(ioctls)]);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		printf("#   %-7s %lu\n", names[i].name, fz.errnos[names[i].e]);
		shown += fz.errnos[names[i].e];
	}
	printf("#   other   %lu\n", total - shown);
	for (i = 0; i < ARRAY_SIZE(ioctls); i++)
		printf("# %-32s on %-4s %6lu calls, %6lu ok\n", ioctls[i].name,
		       ioctls[i].kind == FD_DEV ? "dev" : ioctls[i].kind == FD_VM ? "vm" : "vcpu",
		       fz.calls[i], fz.oks[i]);
}

/*
 * The host's timer (tools/testvm/host-clock.py): "start TOKEN SECONDS" out
 * on the serial port, and "stop TOKEN" comes back once that much host
 * time has passed. Returns the port's fd, or -1.
 */
static int host_clock_start(long seconds, char *token, size_t len)
{
	const char *path = getenv("MINIKVM_FUZZ_HOST_CLOCK");
	struct termios t;
	char line[64];
	int fd, n;

	fd = open(path && *path ? path : "/dev/ttyS1", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	tcflush(fd, TCIOFLUSH);
	snprintf(token, len, "fuzz-%d-%ld", getpid(), (long)time(NULL));
	n = snprintf(line, sizeof(line), "start %s %ld\n", token, seconds);
	if (write(fd, line, n) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether "stop TOKEN" has arrived; @buf keeps a partial line. */
static bool host_clock_stopped(int fd, const char *token, char *buf, size_t len)
{
	size_t have = strlen(buf);
	char want[64], *nl;
	ssize_t n;

	snprintf(want, sizeof(want), "stop %s", token);
	while ((n = read(fd, buf + have, len - 1 - have)) > 0) {
		have += n;
		buf[have] = 0;
		while ((nl = strchr(buf, '\n'))) {
			*nl = 0;
			if (!strcmp(buf, want))
				return true;
			memmove(buf, nl + 1, strlen(nl + 1) + 1);
		}
		have = strlen(buf);
		if (have == len - 1)
			buf[have = 0] = 0;	/* a line too long: not ours */
	}
	return false;
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, random_ioctls, 7200)
{
	uint64_t seed = env_long("MINIKVM_FUZZ_SEED", 1);
	long seconds = env_long("MINIKVM_FUZZ_SECONDS", 10);
	long host_seconds = env_long("MINIKVM_FUZZ_HOST_SECONDS", 0);
	char token[48], clock_buf[128] = "";
	struct timespec t0, t1;
	int clock_fd = -1;
	struct sigaction sa = { .sa_handler = fuzz_sig };	/* no SA_RESTART */
	pthread_t workers[NR_WORKERS], reaper;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint8_t *guard;
	unsigned int i, n;

	TH_LOG("seed %llu, %ld s, %ld calls", (unsigned long long)seed, seconds,
	       env_long("MINIKVM_FUZZ_CALLS", 10000));
	seed = seed * 0x9e3779b97f4a7c15ull + 1;
	fz.calls_left = env_long("MINIKVM_FUZZ_CALLS", 10000);
	clock_gettime(CLOCK_MONOTONIC, &fz.deadline);
	fz.deadline.tv_sec += seconds;

	fz.slot_mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fz.slot_mem);
	for (i = 0; i < SLOT_SIZE / 8; i++)
		((uint64_t *)fz.slot_mem)[i] = rnd(&seed);
	/* Page 0: readable; page 1: PROT_NONE (guard); page 2: unmapped. */
	guard = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, mprotect(guard + 4096, 4096, PROT_NONE));
	ASSERT_EQ(0, munmap(guard + 2 * 4096, 4096));
	fz.guard_end = guard + 4096;
	fz.unmapped = guard + 2 * 4096;

	for (i = 0; i < NR_FD_SLOTS; i++)
		fz.fds[i] = -1;
	fz.fds[0] = test_open_dev();
	fuzz_new_vm(&seed);
	ASSERT_LE(0, fz.fds[FD_SLOT_VM]);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	for (n = 0; n < NR_WORKERS; n++)
		ASSERT_EQ(0, pthread_create(&workers[n], NULL, fuzz_worker,
					    (void *)(uintptr_t)rnd(&seed)));
	ASSERT_EQ(0, pthread_create(&reaper, NULL, fuzz_reaper,
				    (void *)(uintptr_t)rnd(&seed)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (host_seconds > 0) {
		clock_fd = host_clock_start(host_seconds, token, sizeof(token));
		if (clock_fd < 0) {
			TH_LOG("no host clock (%s): the run is bounded by guest time only",
			       strerror(errno));
			TEST_STORE(fz.stop, true);
			_metadata->passed = 0;
		}
	}

	/* The watchdog: interrupt every worker every few milliseconds. */
	while (!TEST_LOAD(fz.stop)) {
		struct timespec now;

		usleep(2000 + rnd(&seed) % 8000);
		for (i = 0; i < NR_WORKERS; i++)
			pthread_kill(workers[i], SIGUSR1);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (TEST_LOAD(fz.calls_left) < 0 || now.tv_sec > fz.deadline.tv_sec)
			TEST_STORE(fz.stop, true);
		if (clock_fd >= 0 &&
		    host_clock_stopped(clock_fd, token, clock_buf, sizeof(clock_buf))) {
			printf("# host clock: %ld s of host time are over\n", host_seconds);
			TEST_STORE(fz.stop, true);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %ld s of guest time\n", (long)(t1.tv_sec - t0.tv_sec));
	if (clock_fd >= 0)
		close(clock_fd);
	for (i = 0; i < NR_WORKERS; i++)
		ASSERT_EQ(0, pthread_join(workers[i], NULL));
	ASSERT_EQ(0, pthread_join(reaper, NULL));
	for (i = 0; i < NR_FD_SLOTS; i++)
		if (fz.fds[i] >= 0)
			close(fz.fds[i]);
	fuzz_report();

	/* The device still works: a fresh VM runs a guest to HLT. */
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = vcpu_create(vm, 0);
	*(uint8_t *)vm_gpa(vm, CODE_GPA) = 0xf4;	/* HLT */
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(fz.slot_mem, SLOT_SIZE);
	munmap(guard, 2 * 4096);
}

MINIKVM_TEST_MAIN
