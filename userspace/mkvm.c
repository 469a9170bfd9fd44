// SPDX-License-Identifier: GPL-2.0
/*
 * mkvm: minikvm's device server, a small VMM on the KVM ABI.
 *
 *   mkvm --info [--dev PATH]
 *	the KVM API version, and on /dev/minikvm the VMX features the
 *	module's load-time probe found
 *   mkvm --translate [GVA...] [--dev PATH]
 *	run a small 64-bit guest and show GVA -> GPA -> HVA -> HPA for each
 *	address (mkvm_translate.c)
 *   mkvm run --kernel BZIMAGE [--initrd FILE] [--cmdline ARGS] [--mem SIZE]
 *	    [--cpus N] [--dev PATH] [--trace-exits] [--stats] [--memmap] [--mark TEXT]
 *	boot a Linux bzImage with its console on stdin/stdout (mkvm_run.c,
 *	Documentation/device-server.rst)
 *   mkvm --help, mkvm --version
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "uapi/minikvm.h"
#include "mkvm.h"
#include "vmx/feature_names.h"
#include "vmx/apicv_names.h"


static int show_info(const char *dev)
{
	struct minikvm_vmx_info info;
	const char *why;
	unsigned int i;
	int fd, ver;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mkvm: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	printf("device:        %s\n", dev);
	printf("api version:   %d\n", ver);
	/* What mkvm run needs to boot Linux. */
	why = mkvm_irqchip_missing(fd);
	printf("linux boot:    %s%s\n", why ? "no: " : "yes", why ? why : "");
	if (ioctl(fd, MINIKVM_GET_VMX_INFO, &info)) {
		printf("vmx info:      not available (%s): not minikvm?\n", strerror(errno));
		close(fd);
		return ver == KVM_API_VERSION ? 0 : 1;
	}
	printf("cpus probed:   %u\n", info.nr_cpus);
	printf("vmcs revision: %#x\n", info.revision_id);
	printf("vmcs size:     %u bytes\n", info.vmcs_size);
	printf("vmx features: ");
	for (i = 0; i < ARRAY_SIZE(vmx_feature_names); i++)
		if (info.features & vmx_feature_names[i].bit)
			printf(" %s", vmx_feature_names[i].name);
	printf("\n");
	printf("apicv:        ");
	for (i = 0; i < ARRAY_SIZE(apicv_mode_names); i++)
		if (info.apicv & apicv_mode_names[i].bit)
			printf(" %s", apicv_mode_names[i].name);
	printf("%s\n", info.apicv ? "" : " off (LAPIC accesses exit, interrupts are injected)");
	printf("msrs:          basic=%#llx feature_control=%#llx\n",
	       (unsigned long long)info.basic, (unsigned long long)info.feature_control);
	printf("               pin=%#llx proc=%#llx proc2=%#llx\n",
	       (unsigned long long)info.pinbased, (unsigned long long)info.procbased,
	       (unsigned long long)info.procbased2);
	printf("               exit=%#llx entry=%#llx misc=%#llx ept_vpid=%#llx\n",
	       (unsigned long long)info.exit, (unsigned long long)info.entry,
	       (unsigned long long)info.misc, (unsigned long long)info.ept_vpid_cap);
	close(fd);
	return 0;
}

#define MKVM_VERSION	"0.2"

static const char usage[] =
	"usage: mkvm --info [--dev PATH]\n"
	"       mkvm --translate [GVA...] [--dev PATH]\n"
	"       mkvm run --kernel BZIMAGE [--initrd FILE] [--cmdline \"ARGS\"]\n"
	"                [--mem SIZE (256M)] [--cpus N (1)] [--dev PATH (/dev/minikvm)]\n"
	"                [--trace-exits] [--stats] [--memmap] [--mark TEXT]\n"
	"       mkvm --help | --version\n"
	"mkvm run exits 0 when the guest reboots or powers off, 1 on an error,\n"
	"2 on bad usage, 3 on a triple fault, 128+N on signal N, and V when the\n"
	"guest writes V to the debug-exit port 0x501.\n";

static void print_usage(void)
{
	fputs(usage, stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/minikvm";
	uint64_t gvas[32];
	int i, n = 0, info = 0, translate = 0;

	if (argc > 1 && !strcmp(argv[1], "run"))
		return mkvm_run(argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("mkvm %s (minikvm device server)\n", MKVM_VERSION);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--info"))
			info = 1;
		else if (!strcmp(argv[i], "--translate"))
			translate = 1;
		else if (!strcmp(argv[i], "--dev") && i + 1 < argc)
			dev = argv[++i];
		else if (translate && n < (int)ARRAY_SIZE(gvas))
			gvas[n++] = strtoull(argv[i], NULL, 0);
		else
			print_usage();
	}
	if (translate)
		return mkvm_translate(dev, gvas, n);
	if (!info)
		print_usage();
	return show_info(dev);
}
