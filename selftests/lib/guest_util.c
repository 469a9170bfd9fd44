// SPDX-License-Identifier: GPL-2.0
/*
 * A real-mode test guest, and readers of the debugfs statistics.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest_util.h"
#include "test_util.h"

/* Report the failing setup step, undo what was done, return -errno. */
static int step_failed(struct test_vm *t, const char *what)
{
	int e = errno;

	printf("# %s: %s\n", what, strerror(e));
	test_vm_close(t);
	return -e;
}

int test_vm_real_mode(struct test_vm *t, size_t mem_size, const void *code, size_t len,
		      unsigned long code_gpa, unsigned long stack)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	memset(t, 0, sizeof(*t));
	t->dev = t->vm = t->vcpu = -1;
	t->dev = test_open_dev();
	t->vm = ioctl(t->dev, KVM_CREATE_VM, 0);
	if (!(t->vm >= 0))
		return step_failed(t, "KVM_CREATE_VM");
	t->mem_size = mem_size;
	t->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!(t->mem != MAP_FAILED))
		return step_failed(t, "mmap guest memory");
	memcpy((char *)t->mem + code_gpa, code, len);
	region = (struct kvm_userspace_memory_region) {
		.slot = 0, .guest_phys_addr = 0, .memory_size = mem_size,
		.userspace_addr = (unsigned long)t->mem,
	};
	if (!(!ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &region)))
		return step_failed(t, "KVM_SET_USER_MEMORY_REGION");
	t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
	if (!(t->vcpu >= 0))
		return step_failed(t, "KVM_CREATE_VCPU");
	t->mmap_size = ioctl(t->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (!(t->mmap_size > 0))
		return step_failed(t, "KVM_GET_VCPU_MMAP_SIZE");
	t->run = mmap(NULL, t->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, t->vcpu, 0);
	if (!(t->run != MAP_FAILED))
		return step_failed(t, "mmap kvm_run");
	if (!(!ioctl(t->vcpu, KVM_GET_SREGS, &sregs)))
		return step_failed(t, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (!(!ioctl(t->vcpu, KVM_SET_SREGS, &sregs)))
		return step_failed(t, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = code_gpa;
	regs.rsp = stack;
	regs.rflags = 2;
	if (!(!ioctl(t->vcpu, KVM_SET_REGS, &regs)))
		return step_failed(t, "KVM_SET_REGS");
	return 0;
}

void test_vm_close(struct test_vm *t)
{
	if (t->run && t->run != MAP_FAILED)
		munmap(t->run, t->mmap_size);
	if (t->mem && t->mem != MAP_FAILED)
		munmap(t->mem, t->mem_size);
	if (t->vcpu >= 0)
		close(t->vcpu);
	if (t->vm >= 0)
		close(t->vm);
	if (t->dev >= 0)
		close(t->dev);
	memset(t, 0, sizeof(*t));
	t->dev = t->vm = t->vcpu = -1;
}

int test_stats_vm_dir(const char *root, char *buf, size_t len)
{
	char prefix[32];
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "%d-", (int)getpid());
	d = opendir(root);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(buf, len, "%s/%s", root, de->d_name);
		found++;
	}
	closedir(d);
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

long long test_stats_read(const char *dir, const char *file)
{
	char path[512];
	long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%lld", &v);
	fclose(f);
	return n == 1 ? v : -EINVAL;
}

long long test_stats_exits(const char *dir, const char *reason)
{
	char path[512], name[64];
	long long v, ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/exits", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, reason))
			ret = v;
	fclose(f);
	return ret;
}
