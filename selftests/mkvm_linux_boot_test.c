// SPDX-License-Identifier: GPL-2.0
/*
 * mkvm run boots the test VM's own Debian kernel with a busybox initramfs
 * (tools/testvm/guest-init.sh as its /init, put in the test VM by
 * test-vm.sh at GUEST_DIR) with one and with two vCPUs: the guest sees
 * that many CPUs, its /proc/interrupts shows the local timer (LOC) on
 * every CPU and the UART's IRQ 4 taken, a shell on its serial console
 * answers a line typed into mkvm's stdin (mkvm_shell=1, guest-init.sh),
 * it prints its marker and reboots, and mkvm run exits 0. On a device without the in-kernel irqchip
 * (KVM_CAP_IRQCHIP) or its LAPICs, Linux cannot boot: the tests skip and
 * say so.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "minikvm_test.h"

#define GUEST_DIR	"/lib/minikvm/guest"
#define MKVM		"/bin/mkvm"
#define CMDLINE		"console=ttyS0 quiet loglevel=4 panic=-1 mkvm_shell=1"
#define CMDLINE_LOUD	"console=ttyS0 earlyprintk=serial,ttyS0 loglevel=7 panic=-1 mkvm_shell=1"
/*
 * What is typed into the guest's shell once it has started, in one write:
 * 24 bytes, more than the UART's 16-byte FIFO holds, so mkvm must pace
 * it. The shell's answer is ANSWER, a line the echo of the input is not.
 */
#define TYPED		"echo MKVM-SH$((6*7))\nexit\n"
#define ANSWER		"MKVM-SH42\r"
#define OUT_MAX		(256 * 1024)
/*
 * A boot prints all the time (1.3 s of the test VM's clock in all): this
 * long without a line of output is a hung guest. mkvm is then stopped by
 * SIGTERM and prints where each interrupt waits (mkvm_irqstate.c), which
 * lands in the log; MKVM_BOOT_SILENCE=S (test-vm.sh --env) sets another
 * bound, in seconds of the test VM's clock.
 */
#define SILENCE_S	60

static char out[OUT_MAX];
static int shell_answered;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Why this device or VM cannot boot Linux, or NULL when it can. */
static const char *cannot_boot(void)
{
	struct kvm_lapic_state state;
	int fd, vm, vcpu, irqchip, lapic = 0;

	if (access(GUEST_DIR "/bzImage", R_OK) || access(MKVM, X_OK))
		return "no " GUEST_DIR "/bzImage or " MKVM " in this VM";
	fd = test_open_dev();
	irqchip = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) > 0;
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	/* KVM_CAP_IRQCHIP promises LAPICs; minikvm answered it before it had them. */
	if (irqchip && vm >= 0 && !ioctl(vm, KVM_CREATE_IRQCHIP, 0)) {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		lapic = vcpu >= 0 && !ioctl(vcpu, KVM_GET_LAPIC, &state);
		if (vcpu >= 0)
			close(vcpu);
	}
	if (vm >= 0)
		close(vm);
	close(fd);
	if (!irqchip)
		return "no in-kernel irqchip (KVM_CAP_IRQCHIP) on this device";
	if (!lapic)
		return "no in-kernel LAPIC (KVM_GET_LAPIC fails) on this device";
	return NULL;
}

/* Each minikvm vCPU's debugfs counters, a line each. */
#define COUNTERS	\
	"for f in /sys/kernel/debug/minikvm/*/vcpu*/*; do [ -f \"$f\" ] && echo \"# $f: $(tr '\\n' ' ' < \"$f\")\"; done"

/*
 * MKVM_BOOT_TRACE=1 (test-vm.sh --env): minikvm's interrupt tracepoints
 * record the boot, and a silent boot prints their last lines: which IPI
 * was posted, kicked, injected or EOIed last (the last 120 apart from
 * the LAPIC timer's vector 0xec and its wakeups, then the last 30).
 */
#define TRACEFS	"T=/sys/kernel/debug/tracing; "
#define TRACE_START	TRACEFS "echo 8192 > $T/buffer_size_kb && echo > $T/trace && " \
	"for e in irq_post kick apic_ipi apic_eoi inject requeue; do " \
	"echo 1 > $T/events/minikvm/minikvm_$e/enable || exit 1; done"
#define TRACE_DUMP	TRACEFS "echo 0 > $T/tracing_on; " \
	"grep -v -e 'vector 0xec' -e 'cpu -1 wake' $T/trace | tail -120 | sed 's/^/# T /'; " \
	"tail -30 $T/trace | sed 's/^/# T /'"

/* Each thread of @pid: its state and where it is in the kernel. */
static void print_threads(pid_t pid)
{
	char path[320], buf[4096];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				printf("# thread %s", buf);
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "# " before each line: the log's TAP reader skips them. */
		while (fgets(buf, sizeof(buf), f))
			printf("#   %s", buf);
		fclose(f);
	}
	closedir(dir);
}

/* Runs mkvm run with CPUS vCPUs; its output lands in out[]. */
static int boot(int cpus, double *seconds)
{
	const char *cmdline = CMDLINE;
	char ncpus[8];
	int pfd[2], in[2], status, typed = 0, stopped = 0;
	int silence = getenv("MKVM_BOOT_SILENCE") ? atoi(getenv("MKVM_BOOT_SILENCE")) : SILENCE_S;
	size_t len = 0, shown = 0;
	char *nl;
	ssize_t n;
	double t0 = now();
	pid_t pid;

	if (getenv("MKVM_BOOT_TRACE") && system(TRACE_START))
		printf("# minikvm's tracepoints could not be enabled\n");
	/* MKVM_GUEST_LOUD=1 (test-vm.sh --env): the whole boot log, to debug. */
	if (getenv("MKVM_GUEST_LOUD"))
		cmdline = CMDLINE_LOUD;
	snprintf(ncpus, sizeof(ncpus), "%d", cpus);
	shell_answered = 0;
	if (pipe(pfd))
		return -1;
	if (pipe(in)) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		close(in[1]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		/* MKVM_TRACE_EXITS=1: every exit mkvm handles, in the log. */
		execl(MKVM, "mkvm", "run", "--kernel", GUEST_DIR "/bzImage",
		      "--initrd", GUEST_DIR "/initrd.gz", "--cmdline", cmdline, "--mem", "256M",
		      "--cpus", ncpus, "--dev", test_dev_path, "--stats", "--memmap",
		      getenv("MKVM_TRACE_EXITS") ? "--trace-exits" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	close(in[0]);
	/* Each line as it comes, so that a log shows how far a hung boot got. */
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		if (poll(&p, 1, silence * 1000) == 0) {
			printf("# no output for %d s: %s mkvm\n", silence,
			       stopped ? "killing" : "stopping");
			print_threads(pid);
			/* Each vCPU's counters: which exits still come, what waits. */
			fflush(stdout);
			if (system(COUNTERS))
				printf("# no minikvm counters\n");
			if (!stopped && getenv("MKVM_BOOT_TRACE") && system(TRACE_DUMP))
				printf("# no trace\n");
			kill(pid, stopped ? SIGKILL : SIGTERM);
			stopped = 1;
			continue;
		}
		n = read(pfd[0], out + len, OUT_MAX - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		for (nl = memchr(out + shown, '\n', len - shown); nl;
		     nl = memchr(out + shown, '\n', len - shown)) {
			printf("# | %.*s\n", (int)(nl - out - shown), out + shown);
			*nl = 0;
			if (!typed && strstr(out + shown, "MKVM-GUEST: shell")) {
				typed = 1;
				if (write(in[1], TYPED, strlen(TYPED)) != (ssize_t)strlen(TYPED))
					printf("# writing to mkvm's stdin failed\n");
				close(in[1]);
			}
			if (strstr(out + shown, ANSWER) && !strstr(out + shown, "echo"))
				shell_answered = 1;
			*nl = '\n';
			shown = nl + 1 - out;
		}
		fflush(stdout);
		/* Full (--trace-exits): keep the unprinted tail, drop the rest. */
		if (len == OUT_MAX - 1) {
			memmove(out, out + shown, len - shown);
			len = shown ? len - shown : 0;
			shown = 0;
		}
	}
	out[len] = 0;
	close(pfd[0]);
	if (!typed)
		close(in[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	*seconds = now() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The counts of the /proc/interrupts line whose text has KEY. */
static int irq_counts(const char *key, int cpus, unsigned long *counts)
{
	const char *p = strstr(out, "MKVM-GUEST: interrupts"), *line;
	char *end;
	int i;

	for (line = p; line && (line = strchr(line, '\n')); ) {
		line++;
		end = strchr(line, '\n');
		if (!end)
			break;
		if (memmem(line, end - line, key, strlen(key))) {
			p = strchr(line, ':');
			if (!p || p > end)
				return -1;
			p++;
			for (i = 0; i < cpus; i++) {
				counts[i] = strtoul(p, &end, 10);
				if (end == p)
					return -1;
				p = end;
			}
			return 0;
		}
	}
	return -1;
}

static void check_boot(struct __test_metadata *_metadata, int cpus)
{
	unsigned long loc[2], uart[2];
	const char *why = cannot_boot();
	double seconds = 0;
	char want[32];
	int rc, i;

	if (why)
		SKIP(return, "%s", why);
	rc = boot(cpus, &seconds);
	printf("# mkvm run --cpus %d: exit status %d after %.1f s\n", cpus, rc, seconds);
	EXPECT_EQ(0, rc);
	/* The guest's tty ends its lines with "\r\n". */
	snprintf(want, sizeof(want), "MKVM-GUEST: cpus %d\r", cpus);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_NE(NULL, strstr(out, "MKVM-GUEST-DONE"));
	EXPECT_TRUE(shell_answered);
	ASSERT_EQ(0, irq_counts("LOC:", cpus, loc));
	ASSERT_EQ(0, irq_counts("ttyS0", cpus, uart));
	for (i = 0; i < cpus; i++) {
		printf("# cpu%d: LOC %lu, ttyS0 %lu\n", i, loc[i], uart[i]);
		EXPECT_LT(0, loc[i]);
	}
	EXPECT_LT(0, uart[0] + (cpus > 1 ? uart[1] : 0));
}

/* Nested boots under Bochs take minutes: the harness's 30 s is too short. */
FIXTURE(nested) {
	int unused;
};

FIXTURE_SETUP(nested)
{
}

FIXTURE_TEARDOWN(nested)
{
}

/*
 * make check runs this in its 1-CPU VMs and in its 2-CPU VM: each boots
 * the guest with as many vCPUs as the test VM has CPUs (up to 2), one
 * boot per device, as each nested boot costs minutes under Bochs.
 * MKVM_LINUX_SMP=1 (make run-linux) boots both, whatever the CPU count.
 */
static bool wanted(int cpus)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	return getenv("MKVM_LINUX_SMP") || (online > 1 ? 2 : 1) == cpus;
}

TEST_F_TIMEOUT(nested, boot_1cpu, 1200)
{
	if (!wanted(1))
		SKIP(return, "the 1-CPU test VMs boot 1 vCPU (MKVM_LINUX_SMP=1: both)");
	check_boot(_metadata, 1);
}

TEST_F_TIMEOUT(nested, boot_2cpu, 1200)
{
	if (!wanted(2))
		SKIP(return, "the 2-CPU test VM boots 2 vCPUs (MKVM_LINUX_SMP=1: both)");
	check_boot(_metadata, 2);
}

MINIKVM_TEST_MAIN
