// SPDX-License-Identifier: GPL-2.0
/*
 * mkvm run: boot a bzImage on /dev/minikvm (or /dev/kvm).
 *
 * The VM is set up as QEMU and kvmtool set up one on KVM: the TSS and
 * identity-map pages above RAM, the in-kernel irqchip (PIC, IOAPIC,
 * LAPICs) and PIT, QEMU's GSI routes (GSI 0, the PIT, to IOAPIC pin 2,
 * which the MADT's override tells the guest), one RAM slot from 0, the
 * supported CPUID with each vCPU's APIC ID in leaves 1 and 0xb. Then the
 * devices (mkvm_bus.c), the kernel (mkvm_boot.c), one thread per vCPU
 * (mkvm_vcpu.c); this thread feeds stdin to the UART and waits for a
 * reason to stop: the guest's reset or poweroff, a triple fault, a fatal
 * exit, or SIGINT/SIGTERM/SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>

#include "mkvm.h"

#define DEFAULT_MEM	(256ull << 20)
#define MIN_MEM		(64ull << 20)
#define MAX_CPUID	256
#define IOAPIC_PINS	24

struct run_opts {
	const char *kernel, *initrd, *cmdline, *dev;
	uint64_t mem;
	int cpus, memmap;
};

static const char run_usage[] =
	"usage: mkvm run --kernel BZIMAGE [--initrd FILE] [--cmdline \"ARGS\"]\n"
	"                [--mem SIZE] [--cpus N] [--dev PATH]\n"
	"                [--trace-exits] [--stats] [--memmap] [--mark TEXT]\n";

/* "256M", "1G", "268435456": bytes, or 0 when it is not a size. */
static uint64_t parse_size(const char *s)
{
	static const struct { char suffix; int shift; } units[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 },
	};
	unsigned long long v;
	unsigned int i;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return 0;
	if (*end == 0)
		return v;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if ((*end == units[i].suffix || *end == units[i].suffix + 32) && !end[1]) {
			if (v > (~0ull >> units[i].shift))
				return 0;
			return v << units[i].shift;
		}
	}
	return 0;
}

static int parse_run(int argc, char **argv, struct run_opts *o, struct mkvm_vm *vm)
{
	const char *arg, *val;
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(arg, "--trace-exits")) {
			vm->trace = 1;
			continue;
		} else if (!strcmp(arg, "--stats")) {
			vm->stats = 1;
			continue;
		} else if (!strcmp(arg, "--memmap")) {
			o->memmap = 1;
			continue;
		}
		if (!val) {
			fprintf(stderr, "mkvm run: unknown option or missing value: %s\n%s", arg,
				run_usage);
			return -1;
		}
		i++;
		if (!strcmp(arg, "--kernel")) {
			o->kernel = val;
		} else if (!strcmp(arg, "--initrd")) {
			o->initrd = val;
		} else if (!strcmp(arg, "--cmdline")) {
			o->cmdline = val;
		} else if (!strcmp(arg, "--dev")) {
			o->dev = val;
		} else if (!strcmp(arg, "--mark")) {
			if (!*val) {
				fprintf(stderr, "mkvm run: --mark needs a text\n");
				return -1;
			}
			vm->mark = val;
			vm->mark_len = strlen(val);
		} else if (!strcmp(arg, "--mem")) {
			o->mem = parse_size(val);
			if (o->mem < MIN_MEM || o->mem > MKVM_MEM_MAX || (o->mem & 0xfff)) {
				fprintf(stderr, "mkvm run: --mem %s: give 64M to 3G, in whole pages\n",
					val);
				return -1;
			}
		} else if (!strcmp(arg, "--cpus")) {
			o->cpus = strtol(val, &end, 10);
			if (*end || end == val || o->cpus < 1 || o->cpus > MKVM_MAX_CPUS) {
				fprintf(stderr, "mkvm run: --cpus %s: give 1 to %d\n", val,
					MKVM_MAX_CPUS);
				return -1;
			}
		} else {
			fprintf(stderr, "mkvm run: unknown option %s\n%s", arg, run_usage);
			return -1;
		}
	}
	if (!o->kernel) {
		fprintf(stderr, "mkvm run: --kernel is required\n%s", run_usage);
		return -1;
	}
	return 0;
}

static int open_device(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		fprintf(stderr, "mkvm: %s: no such device (is the module loaded? %s)\n", dev,
			strstr(dev, "minikvm") ? "insmod minikvm.ko" : "modprobe kvm_intel");
	else if (fd < 0)
		fprintf(stderr, "mkvm: %s: %s\n", dev, strerror(errno));
	else if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "mkvm: %s: not a KVM API version %d device\n", dev, KVM_API_VERSION);
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The vCPU limit as KVM documents it: MAX_VCPUS, else NR_VCPUS, else 4. */
static int max_vcpus(int sys_fd)
{
	int n = ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? n : 4;
}

/* QEMU's PC routes: the PICs take GSI 0-15, the IOAPIC 0-23, GSI 0 on pin 2. */
static int set_gsi_routes(struct mkvm_vm *vm)
{
	struct kvm_irq_routing *rt;
	unsigned int n = 0, gsi;
	int r;

	rt = calloc(1, sizeof(*rt) + 64 * sizeof(rt->entries[0]));
	if (!rt)
		return -ENOMEM;
	for (gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)		/* the cascade */
			continue;
		rt->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
					KVM_IRQCHIP_PIC_SLAVE, .pin = gsi % 8 } };
	}
	for (gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		rt->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi ? gsi : 2 } };
	}
	rt->nr = n;
	r = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	return r ? -errno : 0;
}

static int fail(const char *dev, const char *what)
{
	fprintf(stderr, "mkvm: %s: %s: %s\n", dev, what, strerror(errno));
	return -1;
}

/*
 * NULL when DEV's VMs get the in-kernel interrupt controllers, LAPICs
 * included, that Linux needs; else why not. KVM_CAP_IRQCHIP promises
 * LAPICs too, but a device still growing its irqchip may answer it before
 * it has them: KVM_GET_LAPIC on a vCPU of a throwaway VM tells.
 */
const char *mkvm_irqchip_missing(int sys_fd)
{
	struct kvm_lapic_state lapic;
	const char *why = NULL;
	int vm, vcpu;

	if (ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
	    ioctl(sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) <= 0)
		return "no in-kernel irqchip and PIT (KVM_CAP_IRQCHIP, KVM_CAP_PIT2)";
	vm = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return "KVM_CREATE_VM failed";
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0)) {
		why = "KVM_CREATE_IRQCHIP failed";
	} else {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		if (vcpu < 0 || ioctl(vcpu, KVM_GET_LAPIC, &lapic))
			why = "no in-kernel LAPIC (KVM_GET_LAPIC fails)";
		if (vcpu >= 0)
			close(vcpu);
	}
	close(vm);
	return why;
}

static int setup_vm(struct mkvm_vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_userspace_memory_region slot = { 0 };
	uint64_t idmap = MKVM_IDMAP_ADDR;

	const char *why = mkvm_irqchip_missing(vm->sys_fd);

	if (why) {
		fprintf(stderr, "mkvm: %s: %s: Linux cannot boot on it\n", vm->dev, why);
		return -1;
	}
	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail(vm->dev, "KVM_CREATE_VM");
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, MKVM_TSS_ADDR))
		return fail(vm->dev, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap))
		return fail(vm->dev, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0))
		return fail(vm->dev, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit))
		return fail(vm->dev, "KVM_CREATE_PIT2");
	errno = -set_gsi_routes(vm);
	if (errno)
		return fail(vm->dev, "KVM_SET_GSI_ROUTING");

	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return fail(vm->dev, "guest memory");
	}
	slot.memory_size = vm->mem_size;
	slot.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot))
		return fail(vm->dev, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

static int get_cpuid(struct mkvm_vm *vm)
{
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) + MAX_CPUID * sizeof(vm->cpuid->entries[0]));
	if (!vm->cpuid)
		return -1;
	vm->cpuid->nent = MAX_CPUID;
	if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid))
		return fail(vm->dev, "KVM_GET_SUPPORTED_CPUID");
	return 0;
}

/*
 * The vCPU's APIC ID in CPUID.1:EBX[31:24] and CPUID.0xB:EDX (x2APIC ID),
 * and, as QEMU adds it, CPUID.1:ECX[31], "running under a hypervisor":
 * KVM does not report it as supported, and without it Linux looks for no
 * paravirtual interface (kvmclock) and boots "on bare hardware".
 */
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)

static int set_cpuid(struct mkvm_vm *vm, struct mkvm_vcpu *v)
{
	struct kvm_cpuid_entry2 *e;
	unsigned int i;

	for (i = 0; i < vm->cpuid->nent; i++) {
		e = &vm->cpuid->entries[i];
		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | (uint32_t)v->id << 24;
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
		} else if (e->function == 0xb) {
			e->edx = v->id;
		}
	}
	return ioctl(v->fd, KVM_SET_CPUID2, vm->cpuid);
}

static int create_vcpus(struct mkvm_vm *vm)
{
	struct mkvm_vcpu *v;
	char what[48];
	int i;

	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (long)sizeof(struct kvm_run))
		return fail(vm->dev, "KVM_GET_VCPU_MMAP_SIZE");
	for (i = 0; i < vm->nr_cpus; i++) {
		v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		snprintf(what, sizeof(what), "vcpu%d", i);
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return fail(vm->dev, what);
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return fail(vm->dev, what);
		}
		if (set_cpuid(vm, v))
			return fail(vm->dev, "KVM_SET_CPUID2");
	}
	errno = -mkvm_boot_regs(vm, vm->vcpus[0].fd);
	return errno ? fail(vm->dev, "the boot vCPU's registers") : 0;
}

static void print_memmap(struct mkvm_vm *vm)
{
	printf("mkvm: guest-physical memory map\n");
	printf("  ram  0x%08llx-0x%08llx  slot 0 (%llu MiB)\n", 0ull,
	       (unsigned long long)vm->mem_size - 1, (unsigned long long)vm->mem_size >> 20);
	printf("       0x%08x-0x%08x  GDT, zero page, boot stack, page tables\n",
	       MKVM_GDT, MKVM_PD + 4 * 0x1000 - 1);
	printf("       0x%08x-0x%08x  command line\n", MKVM_CMDLINE,
	       MKVM_CMDLINE + MKVM_CMDLINE_MAX - 1);
	printf("       0x%08llx-0x%08llx  ACPI tables (RSDP first)\n",
	       (unsigned long long)vm->acpi_addr,
	       (unsigned long long)(vm->acpi_addr + vm->acpi_size - 1));
	printf("       0x%08llx-0x%08llx  kernel (protected-mode part)\n",
	       (unsigned long long)vm->kernel_addr,
	       (unsigned long long)(vm->kernel_addr + vm->kernel_size - 1));
	if (vm->initrd_size)
		printf("       0x%08llx-0x%08llx  initrd\n", (unsigned long long)vm->initrd_addr,
		       (unsigned long long)(vm->initrd_addr + vm->initrd_size - 1));
	printf("  mmio 0x%08x-0x%08x  IOAPIC (in kernel, GSI 0-23)\n", MKVM_IOAPIC,
	       MKVM_IOAPIC + 0xfff);
	printf("  mmio 0x%08x-0x%08x  LAPIC (in kernel, one per vCPU)\n", MKVM_LAPIC,
	       MKVM_LAPIC + 0xfff);
	printf("  mmio 0x%08x-0x%08x  TSS and identity map (KVM_SET_TSS_ADDR, ..._IDENTITY_MAP_ADDR)\n",
	       MKVM_IDMAP_ADDR, MKVM_TSS_ADDR + 3 * 0x1000 - 1);
	printf("  port 0x0020-0x0021, 0x00a0-0x00a1, 0x04d0-0x04d1  PIC (in kernel)\n");
	printf("  port 0x0040-0x0043, 0x0061  PIT (in kernel)\n");
	mkvm_bus_print(vm);
	fflush(stdout);
}

static void print_stats(struct mkvm_vm *vm, double seconds)
{
	int i;

	fprintf(stderr, "mkvm: exits to userspace by reason (%.3f s):\n", seconds);
	for (i = 0; i < MKVM_NR_EXITS; i++)
		if (vm->exits[i])
			fprintf(stderr, "  %-16s %lu\n", mkvm_exit_name(i), vm->exits[i]);
	fprintf(stderr, "mkvm: device accesses:\n");
	for (i = 0; i < vm->nr_ranges; i++)
		if (vm->ranges[i].dev->accesses)
			fprintf(stderr, "  %-44s %lu\n", vm->ranges[i].dev->name,
				vm->ranges[i].dev->accesses);
	fprintf(stderr, "  %-44s %lu\n", "unhandled ports", vm->unhandled[MKVM_PIO]);
	fprintf(stderr, "  %-44s %lu\n", "unhandled mmio", vm->unhandled[MKVM_MMIO]);
}

/*
 * Until a reason to stop: stdin to the UART, signals to a stop. Input the
 * UART's FIFO has no room for stays in buf[] (held bytes from off on), and
 * stdin is not read again until the UART says, through console_fd, that
 * the guest took some: a paste is paced, not cut.
 */
static void main_loop(struct mkvm_vm *vm, int sig_fd)
{
	struct pollfd p[4] = {
		{ .fd = vm->stop_fd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = vm->console_fd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int in_open = 1, held = 0, off = 0;
	char why[48];
	uint8_t buf[64];
	uint64_t room;
	ssize_t r;

	while (!__atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST)) {
		/* A negative fd is one poll() skips. */
		p[3].fd = in_open && !held ? STDIN_FILENO : -1;
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			snprintf(why, sizeof(why), "stopped by %s", strsignal(si.ssi_signo));
			mkvm_vm_stop(vm, 128 + si.ssi_signo, why);
		}
		if (p[2].revents && read(vm->console_fd, &room, sizeof(room)) == sizeof(room) &&
		    held) {
			r = mkvm_console_input(vm, buf + off, held);
			off += r;
			held -= r;
		}
		if (p[3].fd >= 0 && p[3].revents) {
			r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r > 0) {
				off = mkvm_console_input(vm, buf, r);
				held = r - off;
			} else if (r == 0 || errno != EINTR) {
				in_open = 0;	/* stdin is done: stop watching it */
			}
		}
	}
}

static void teardown(struct mkvm_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_cpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd > 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->console_fd >= 0)
		close(vm->console_fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int mkvm_run(int argc, char **argv)
{
	static struct mkvm_vm vm_storage;
	struct run_opts o = { .cmdline = "console=ttyS0", .dev = "/dev/minikvm",
			      .mem = DEFAULT_MEM, .cpus = 1 };
	struct mkvm_vm *vm = &vm_storage;
	int sig_fd = -1, status = MKVM_ERROR, max;
	double t0 = now();
	sigset_t sigs;

	vm->tsc_start = __rdtsc();

	vm->sys_fd = vm->vm_fd = vm->stop_fd = vm->console_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	if (parse_run(argc, argv, &o, vm))
		return MKVM_USAGE;
	if (access(o.kernel, R_OK)) {
		fprintf(stderr, "mkvm: kernel %s: %s\n", o.kernel, strerror(errno));
		return MKVM_ERROR;
	}
	if (o.initrd && access(o.initrd, R_OK)) {
		fprintf(stderr, "mkvm: initrd %s: %s\n", o.initrd, strerror(errno));
		return MKVM_ERROR;
	}
	vm->dev = o.dev;
	vm->mem_size = o.mem;
	vm->nr_cpus = o.cpus;

	/* Every thread inherits this mask; only sig_fd reads these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	vm->console_fd = eventfd(0, EFD_CLOEXEC);
	if (sig_fd < 0 || vm->stop_fd < 0 || vm->console_fd < 0) {
		perror("mkvm: signalfd/eventfd");
		goto out;
	}

	vm->sys_fd = open_device(o.dev);
	if (vm->sys_fd < 0)
		goto out;
	max = max_vcpus(vm->sys_fd);
	if (o.cpus > max) {
		fprintf(stderr, "mkvm: --cpus %d: %s allows at most %d vCPUs\n", o.cpus, o.dev, max);
		goto out;
	}
	if (setup_vm(vm) || mkvm_devices_init(vm) ||
	    mkvm_boot_load(vm, o.kernel, o.initrd, o.cmdline) || get_cpuid(vm) ||
	    create_vcpus(vm))
		goto out;
	if (o.memmap)
		print_memmap(vm);
	if (mkvm_console_start(vm))
		perror("mkvm: stdin: raw mode");
	t0 = now();
	if (!mkvm_vcpus_start(vm))
		main_loop(vm, sig_fd);
	mkvm_vcpus_join(vm);
	mkvm_console_restore();
	status = vm->status;
	fprintf(stderr, "\nmkvm: %s after %.3f s, exit status %d\n", vm->why, now() - t0, status);
	if (vm->stats)
		print_stats(vm, now() - t0);
	/* A hung guest is stopped by a signal: show where its interrupts wait. */
	if (vm->stats || status > 128)
		mkvm_print_irq_state(vm);
	if (vm->mark && vm->mark_tsc)
		fprintf(stderr, "mkvm: mark \"%s\" after %llu TSC ticks\n", vm->mark,
			(unsigned long long)(vm->mark_tsc - vm->tsc_start));
	else if (vm->mark)
		fprintf(stderr, "mkvm: mark \"%s\" not seen\n", vm->mark);
out:
	mkvm_console_restore();
	teardown(vm);
	if (sig_fd >= 0)
		close(sig_fd);
	return status;
}
