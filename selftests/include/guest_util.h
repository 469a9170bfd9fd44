/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A one-vCPU real-mode guest for tests that care about what the guest
 * does, not how it was set up (smoke_test.c walks the setup itself), and
 * the readers of the statistics trees in debugfs.
 */
#ifndef MINIKVM_GUEST_UTIL_H
#define MINIKVM_GUEST_UTIL_H

#include <stddef.h>
#include <linux/kvm.h>

struct test_vm {
	int dev, vm, vcpu;
	int mmap_size;
	struct kvm_run *run;
	void *mem;			/* guest RAM at GPA 0 */
	size_t mem_size;
};

/*
 * Create a VM with @mem_size bytes of RAM at GPA 0, copy @code to
 * @code_gpa and point CS:IP there (CS = 0), SP at @stack. Returns 0 or
 * -errno, with the failing step printed as a KTAP comment.
 */
int test_vm_real_mode(struct test_vm *t, size_t mem_size, const void *code, size_t len,
		      unsigned long code_gpa, unsigned long stack);
void test_vm_close(struct test_vm *t);

/*
 * The statistics directory of this process's only VM under @root
 * ("/sys/kernel/debug/minikvm" or ".../kvm": both name it <pid>-<n>).
 * Returns 0, -ENOENT when there is none, -EEXIST when there are several.
 */
int test_stats_vm_dir(const char *root, char *buf, size_t len);

/* A file holding one number; -errno when it cannot be read. */
long long test_stats_read(const char *dir, const char *file);

/* The count of @reason in a minikvm "exits" table; -errno, -ENOENT if absent. */
long long test_stats_exits(const char *dir, const char *reason);

#endif /* MINIKVM_GUEST_UTIL_H */
