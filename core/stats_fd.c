// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD: the counters of core/stats.h in KVM's binary stats
 * format (Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"), on the VM
 * fd (each counter summed over the vCPUs, as the debugfs VM files) and on
 * the vCPU fd. The file is laid out as KVM lays it out:
 *
 *   struct kvm_stats_header     id_offset = its size
 *   id string                   "kvm-<pid>" or "kvm-<pid>/vcpu-<id>",
 *                               STATS_NAME_SIZE (48) bytes, NUL padded
 *   descriptors                 struct kvm_stats_desc + a name of
 *                               STATS_NAME_SIZE bytes, one per counter
 *   data                        u64s, at each descriptor's offset
 *
 * Every counter is cumulative, unitless, base 10, exponent 0;
 * "exit_reasons" is one descriptor of MINIKVM_STAT_EXIT_REASONS u64s,
 * indexed by basic exit reason. <pid> is the caller's. Each read() builds the whole file afresh (about 1 KiB) and
 * copies the window asked for, so any offset and size work and a read
 * past the end returns 0.
 *
 * Lifetime: a stats fd holds a VM reference, so the VM and its vCPUs
 * outlive it (a vCPU lives until its VM is freed).
 *
 * Environment: process context.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vmx.h>

#include "core/minikvm.h"

/*
 * The room for the id and for each name, terminating NUL included: KVM's
 * KVM_STATS_NAME_SIZE of <linux/kvm_host.h>, which no uapi header has.
 */
#define STATS_NAME_SIZE	48
#define STATS_DESC_SIZE	(sizeof(struct kvm_stats_desc) + STATS_NAME_SIZE)
#define STATS_FLAGS	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)

struct stats_fd_desc {
	const char *name;
	u32 src;			/* in struct minikvm_vcpu_stat, bytes */
	u16 size;			/* u64s */
};

#define STATS_FD_DESC(field)						\
	{ #field, offsetof(struct minikvm_vcpu_stat, field),		\
	  sizeof_field(struct minikvm_vcpu_stat, field) / sizeof(u64) }

/*
 * The counters shown. KVM's "exits" is one total, so the table by exit
 * reason is "exit_reasons"; "halt_exits" is its HLT element, KVM's name.
 */
static const struct stats_fd_desc stats_fd_descs[] = {
	{ "exit_reasons", offsetof(struct minikvm_vcpu_stat, exits),
	  MINIKVM_STAT_EXIT_REASONS },
	{ "halt_exits", offsetof(struct minikvm_vcpu_stat, exits[EXIT_REASON_HLT]), 1 },
	STATS_FD_DESC(exits_other),
	STATS_FD_DESC(exits_to_user),
	STATS_FD_DESC(ept_faults),
	STATS_FD_DESC(pages_4k),
	STATS_FD_DESC(pages_2m),
	STATS_FD_DESC(mmio_exits),
	STATS_FD_DESC(injections),
	STATS_FD_DESC(irq_injections),
	STATS_FD_DESC(irq_posted),
	STATS_FD_DESC(kicks),
	STATS_FD_DESC(halt_wakeup),
};

#define STATS_NR_U64	(sizeof(struct minikvm_vcpu_stat) / sizeof(u64))
static_assert(sizeof(struct minikvm_vcpu_stat) % sizeof(u64) == 0);

/*
 * The data block holds each descriptor's u64s one after the other, in
 * table order, and nothing else: readers (kvm_binary_stats_test among
 * them) take its size to be the sum of the descriptors' sizes, so
 * "halt_exits" is a copy, not an alias into "exit_reasons".
 */
static size_t stats_fd_data_u64s(void)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(stats_fd_descs); i++)
		n += stats_fd_descs[i].size;
	return n;
}

struct stats_fd {
	struct minikvm_vm *vm;
	struct minikvm_vcpu *vcpu;	/* NULL for the VM's */
	char id[STATS_NAME_SIZE];
};

/* One consistent-enough copy of the counters: the vCPU's, or the sums. */
static void stats_fd_snapshot(struct stats_fd *sf, u64 *data)
{
	const u64 *src;
	unsigned int i, j;

	if (sf->vcpu) {
		src = (const u64 *)&sf->vcpu->stat;
		for (j = 0; j < STATS_NR_U64; j++)
			data[j] = READ_ONCE(src[j]);
		return;
	}
	/* vm->lock keeps vcpus[] stable. */
	mutex_lock(&sf->vm->lock);
	for (i = 0; i < sf->vm->nr_vcpus; i++) {
		src = (const u64 *)&sf->vm->vcpus[i]->stat;
		for (j = 0; j < STATS_NR_U64; j++)
			data[j] += READ_ONCE(src[j]);
	}
	mutex_unlock(&sf->vm->lock);
}

/*
 * Lay out the whole file in @buf (zeroed, stats_fd_size() bytes), the
 * counters from @snap (zeroed, STATS_NR_U64 u64s).
 */
static void stats_fd_build(struct stats_fd *sf, char *buf, u64 *snap)
{
	struct kvm_stats_header *h = (struct kvm_stats_header *)buf;
	u32 offset = 0;
	unsigned int i;

	h->flags = 0;
	h->name_size = STATS_NAME_SIZE;
	h->num_desc = ARRAY_SIZE(stats_fd_descs);
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + h->num_desc * STATS_DESC_SIZE;
	memcpy(buf + h->id_offset, sf->id, STATS_NAME_SIZE);
	for (i = 0; i < ARRAY_SIZE(stats_fd_descs); i++) {
		struct kvm_stats_desc *d;

		d = (struct kvm_stats_desc *)(buf + h->desc_offset + i * STATS_DESC_SIZE);
		d->flags = STATS_FLAGS;
		d->exponent = 0;
		d->size = stats_fd_descs[i].size;
		d->offset = offset;
		d->bucket_size = 0;
		strscpy(d->name, stats_fd_descs[i].name, STATS_NAME_SIZE);
		offset += d->size * sizeof(u64);
	}
	stats_fd_snapshot(sf, snap);
	offset = 0;
	for (i = 0; i < ARRAY_SIZE(stats_fd_descs); i++) {
		size_t bytes = stats_fd_descs[i].size * sizeof(u64);

		memcpy(buf + h->data_offset + offset,
		       (char *)snap + stats_fd_descs[i].src, bytes);
		offset += bytes;
	}
}

static size_t stats_fd_size(void)
{
	return sizeof(struct kvm_stats_header) + STATS_NAME_SIZE +
	       ARRAY_SIZE(stats_fd_descs) * STATS_DESC_SIZE +
	       stats_fd_data_u64s() * sizeof(u64);
}

static ssize_t stats_fd_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct stats_fd *sf = file->private_data;
	size_t size = stats_fd_size();
	ssize_t ret;
	u64 *snap;
	char *buf;

	if (*ppos < 0)
		return -EINVAL;
	if (*ppos >= size || !len)
		return 0;
	len = min_t(size_t, len, size - *ppos);
	buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	snap = kcalloc(STATS_NR_U64, sizeof(u64), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!buf || !snap)
		goto out;
	stats_fd_build(sf, buf, snap);
	ret = len;
	if (copy_to_user(ubuf, buf + *ppos, len))
		ret = -EFAULT;
	else
		*ppos += len;
out:
	kfree(snap);
	kfree(buf);
	return ret;
}

static int stats_fd_release(struct inode *inode, struct file *file)
{
	struct stats_fd *sf = file->private_data;

	minikvm_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations stats_fd_fops = {
	.owner		= THIS_MODULE,
	.read		= stats_fd_read,
	.release	= stats_fd_release,
	.llseek		= noop_llseek,
};

/**
 * minikvm_get_stats_fd() - KVM_GET_STATS_FD on a VM or a vCPU fd
 * @vm: the VM
 * @vcpu: the vCPU, or NULL for the VM's statistics
 *
 * Return: a read-only fd (pread() works, as on KVM's), or -errno.
 */
int minikvm_get_stats_fd(struct minikvm_vm *vm, struct minikvm_vcpu *vcpu)
{
	struct stats_fd *sf;
	struct file *file;
	int fd;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->vcpu = vcpu;
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvm-%d/vcpu-%u",
			 task_pid_nr(current), vcpu->id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvm-%d", task_pid_nr(current));

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(sf);
		return fd;
	}
	file = anon_inode_getfile(vcpu ? "minikvm-vcpu-stats" : "minikvm-vm-stats",
				  &stats_fd_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(sf);
		return PTR_ERR(file);
	}
	refcount_inc(&vm->users);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}
