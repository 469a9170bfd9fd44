// SPDX-License-Identifier: GPL-2.0
/*
 * minikvm-stat: a live, top-like view of VM exits by reason for every
 * minikvm VM, read from the debugfs counters of core/stats.c
 * (Documentation/observability.rst).
 *
 *   minikvm-stat [-i SECONDS] [--once] [-d DIR]
 *
 * Each refresh shows, per VM (<pid>-<n>), the exits since the VM started
 * and per second over the last interval, busiest first, then the other
 * counters. --once prints one snapshot of the totals, without escape
 * sequences, and exits: for scripts and tests.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_VMS		64
#define MAX_REASONS	96
#define NAME_LEN	32
#define ID_LEN		256		/* a directory entry name */

struct reason {
	char name[NAME_LEN];
	unsigned long long count, prev;
};

struct vm {
	char id[ID_LEN];
	bool seen;			/* present in this snapshot */
	bool has_prev;			/* a previous snapshot exists */
	unsigned int nr_vcpus, nr;
	struct reason r[MAX_REASONS];
};

/* Counter files shown under the table, as named in debugfs. */
static const char * const counters[] = {
	"exits_to_user", "halt_exits", "ept_faults", "pages_4k", "pages_2m",
	"mmio_exits", "injections", "irq_injections", "nmi_injections",
	"irq_window_exits", "nmi_window_exits", "request_irq_exits",
};

static struct vm vms[MAX_VMS];
static unsigned int nr_vms;

static unsigned long long read_number(const char *dir, const char *file)
{
	unsigned long long v = 0;
	char path[512];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static struct vm *find_vm(const char *id)
{
	unsigned int i;

	for (i = 0; i < nr_vms; i++)
		if (!strcmp(vms[i].id, id))
			return &vms[i];
	if (nr_vms == MAX_VMS)
		return NULL;
	memset(&vms[nr_vms], 0, sizeof(vms[0]));
	snprintf(vms[nr_vms].id, ID_LEN, "%s", id);
	return &vms[nr_vms++];
}

static void read_exits(struct vm *vm, const char *dir)
{
	char path[512], name[NAME_LEN];
	unsigned long long v;
	unsigned int i;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/exits", dir) >= (int)sizeof(path))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while (fscanf(f, "%31s %llu", name, &v) == 2) {
		for (i = 0; i < vm->nr; i++)
			if (!strcmp(vm->r[i].name, name))
				break;
		if (i == vm->nr) {
			if (vm->nr == MAX_REASONS)
				continue;
			snprintf(vm->r[vm->nr++].name, NAME_LEN, "%s", name);
		}
		vm->r[i].prev = vm->has_prev ? vm->r[i].count : v;
		vm->r[i].count = v;
	}
	fclose(f);
}

static unsigned int count_vcpus(const char *dir)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "vcpu", 4);
	closedir(d);
	return n;
}

/* One snapshot of every VM; VMs that went away are dropped. */
static int snapshot(const char *root)
{
	struct dirent *de;
	unsigned int i, j;
	DIR *d = opendir(root);

	if (!d)
		return -errno;
	for (i = 0; i < nr_vms; i++)
		vms[i].seen = false;
	while ((de = readdir(d))) {
		char dir[512];
		struct vm *vm;

		if (de->d_name[0] == '.')
			continue;
		vm = find_vm(de->d_name);
		if (!vm)
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name) >= (int)sizeof(dir))
			continue;
		read_exits(vm, dir);
		vm->nr_vcpus = count_vcpus(dir);
		vm->seen = true;
		vm->has_prev = true;
	}
	closedir(d);
	for (i = j = 0; i < nr_vms; i++)
		if (vms[i].seen)
			vms[j++] = vms[i];
	nr_vms = j;
	return 0;
}

static int by_activity(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;
	unsigned long long dx = x->count - x->prev, dy = y->count - y->prev;

	if (dx != dy)
		return dx < dy ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void show(const char *root, double interval, bool once)
{
	unsigned int i, j;

	if (!once) {
		time_t now = time(NULL);

		printf("\033[H\033[2J");
		printf("minikvm-stat  %s  every %.1fs, %u VM(s); Ctrl-C quits\n\n",
		       strtok(ctime(&now), "\n"), interval, nr_vms);
	}
	if (!nr_vms)
		printf("no minikvm VM running (%s is empty)\n", root);
	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];
		unsigned long long total = 0;
		char dir[512];

		if (snprintf(dir, sizeof(dir), "%s/%s", root, vm->id) >= (int)sizeof(dir))
			continue;
		for (j = 0; j < vm->nr; j++)
			total += vm->r[j].count;
		printf("VM %s  vcpus %u  exits %llu\n", vm->id, vm->nr_vcpus, total);
		printf("  %-22s %14s%s\n", "REASON", "TOTAL", once ? "" : "       PER SEC");
		qsort(vm->r, vm->nr, sizeof(vm->r[0]), by_activity);
		for (j = 0; j < vm->nr; j++) {
			const struct reason *r = &vm->r[j];

			if (!r->count)
				continue;
			printf("  %-22s %14llu", r->name, r->count);
			if (!once)
				printf(" %13.0f", (r->count - r->prev) / interval);
			printf("\n");
		}
		for (j = 0; j < ARRAY_SIZE(counters); j++)
			printf("  %s %llu", counters[j], read_number(dir, counters[j]));
		printf("\n\n");
	}
	fflush(stdout);
}

static void print_usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-i|--interval SECONDS] [-1|--once] [-d|--dir DEBUGFS_DIR]\n"
		"  VM exits by reason for every minikvm VM, from %s\n", prog,
		"/sys/kernel/debug/minikvm");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *root = "/sys/kernel/debug/minikvm";
	double interval = 1.0;
	bool once = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "i:1d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interval = strtod(optarg, NULL);
			if (interval < 0.1) {
				fprintf(stderr, "%s: interval must be at least 0.1 s\n", argv[0]);
				return 2;
			}
			break;
		case '1':
			once = true;
			break;
		case 'd':
			root = optarg;
			break;
		case 'h':
			print_usage(stdout, argv[0]);
			return 0;
		default:
			print_usage(stderr, argv[0]);
			return 2;
		}
	}
	for (;;) {
		ret = snapshot(root);
		if (ret) {
			fprintf(stderr, "%s: %s: %s (is debugfs mounted and minikvm loaded?)\n",
				argv[0], root, strerror(-ret));
			return 1;
		}
		show(root, interval, once);
		if (once)
			return 0;
		usleep((useconds_t)(interval * 1e6));
	}
}
