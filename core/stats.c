// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs view of the counters in core/stats.h:
 *
 *   /sys/kernel/debug/minikvm/<pid>-<n>/          one VM; <pid> created it,
 *                                                 <n> counts VMs since load
 *       exits                 "NAME count" per basic exit reason, all vCPUs
 *       exits_to_user halt_exits ept_faults pages_4k pages_2m
 *       mmio_exits injections irq_injections nmi_injections
 *       irq_window_exits nmi_window_exits request_irq_exits
 *                             one number each, summed over the vCPUs
 *       vcpu<id>/             the same files for one vCPU
 *
 * KVM names its directory <pid>-<vm fd>; minikvm creates the directory
 * before the fd exists (so that no close() can race with it) and uses a
 * sequence number instead. userspace/minikvm-stat reads this tree.
 *
 * Lifetime: the VM directory goes before the vCPUs are freed
 * (minikvm_vm_put()); debugfs_remove() waits for open readers, so a file
 * never outlives what it shows. Debugfs failures are not errors, as
 * everywhere in the kernel: a VM without statistics still runs.
 *
 * Environment: process context.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/vmx.h>

#include "core/minikvm.h"

struct minikvm_stat_desc {
	const char *name;
	size_t offset;			/* in struct minikvm_vcpu_stat */
};

#define STAT(field)	{ #field, offsetof(struct minikvm_vcpu_stat, field) }

/* The one-number files, in both the VM and the vCPU directories. */
static const struct minikvm_stat_desc minikvm_stat_descs[] = {
	STAT(exits_to_user),
	{ "halt_exits", offsetof(struct minikvm_vcpu_stat, exits[EXIT_REASON_HLT]) },
	STAT(ept_faults),
	STAT(pages_4k),
	STAT(pages_2m),
	STAT(mmio_exits),
	STAT(injections),
	STAT(irq_injections),
	STAT(nmi_injections),
	STAT(irq_window_exits),
	STAT(nmi_window_exits),
	STAT(request_irq_exits),
	STAT(irq_posted),
	STAT(kicks),
	STAT(halt_wakeup),
};

/* Exit reason names from the kernel's own list, not a private copy. */
static const struct {
	u32 reason;
	const char *name;
} minikvm_exit_names[] = { VMX_EXIT_REASONS };

/* A VM-level file: which VM, which counter (summed over its vCPUs). */
struct minikvm_vm_stat_file {
	struct minikvm_vm *vm;
	const struct minikvm_stat_desc *desc;
};

struct minikvm_vm_debugfs {
	struct dentry *dir;
	struct minikvm_vm_stat_file files[ARRAY_SIZE(minikvm_stat_descs)];
};

static struct dentry *minikvm_debugfs_root;
static atomic_t minikvm_vm_seq = ATOMIC_INIT(0);

static u64 stat_read(const struct minikvm_vcpu_stat *stat, size_t offset)
{
	return READ_ONCE(*(const u64 *)((const char *)stat + offset));
}

/* Sum of one counter over the VM's vCPUs; vm->lock keeps vcpus[] stable. */
static u64 vm_stat_sum(struct minikvm_vm *vm, size_t offset)
{
	unsigned int i;
	u64 sum = 0;

	mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++)
		sum += stat_read(&vm->vcpus[i]->stat, offset);
	mutex_unlock(&vm->lock);
	return sum;
}

static int vm_stat_get(void *data, u64 *val)
{
	struct minikvm_vm_stat_file *f = data;

	*val = vm_stat_sum(f->vm, f->desc->offset);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vm_stat_fops, vm_stat_get, NULL, "%llu\n");

static int vcpu_stat_get(void *data, u64 *val)
{
	*val = READ_ONCE(*(u64 *)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vcpu_stat_fops, vcpu_stat_get, NULL, "%llu\n");

/*
 * The exits table: every reason the kernel names, zeros included, so the
 * format is the same for every VM; then any unnamed reason that occurred.
 */
static void exits_show(struct seq_file *m, u64 (*get)(void *obj, size_t offset), void *obj)
{
	bool named[MINIKVM_STAT_EXIT_REASONS] = { };
	unsigned int i;
	u64 n;

	for (i = 0; i < ARRAY_SIZE(minikvm_exit_names); i++) {
		u32 r = minikvm_exit_names[i].reason;

		if (r >= MINIKVM_STAT_EXIT_REASONS)
			continue;
		named[r] = true;
		seq_printf(m, "%-22s %llu\n", minikvm_exit_names[i].name,
			   get(obj, offsetof(struct minikvm_vcpu_stat, exits[r])));
	}
	for (i = 0; i < MINIKVM_STAT_EXIT_REASONS; i++) {
		if (named[i])
			continue;
		n = get(obj, offsetof(struct minikvm_vcpu_stat, exits[i]));
		if (n)
			seq_printf(m, "REASON_%-15u %llu\n", i, n);
	}
	n = get(obj, offsetof(struct minikvm_vcpu_stat, exits_other));
	if (n)
		seq_printf(m, "%-22s %llu\n", "OTHER", n);
}

static u64 vm_get(void *obj, size_t offset)
{
	return vm_stat_sum(obj, offset);
}

static u64 vcpu_get(void *obj, size_t offset)
{
	return stat_read(obj, offset);
}

static int vm_exits_show(struct seq_file *m, void *unused)
{
	exits_show(m, vm_get, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_exits);

static int vcpu_exits_show(struct seq_file *m, void *unused)
{
	exits_show(m, vcpu_get, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_exits);

/*
 * entry_failure: why the last failed VM entry of any VM failed, as the
 * vendor code explained it (vmx/entry_check.c). One text, replaced by
 * each failure: a process that fails entry in a loop costs one buffer.
 */
static DEFINE_MUTEX(entry_failure_lock);
static char *entry_failure_text;

/**
 * minikvm_debugfs_set_entry_failure() - publish a failed entry's explanation
 * @text: a kmalloc'd string; ownership passes to this file
 */
void minikvm_debugfs_set_entry_failure(char *text)
{
	char *old;

	mutex_lock(&entry_failure_lock);
	old = entry_failure_text;
	entry_failure_text = text;
	mutex_unlock(&entry_failure_lock);
	kfree(old);
}

static ssize_t entry_failure_read(struct file *f, char __user *ubuf, size_t count,
				  loff_t *ppos)
{
	ssize_t ret = 0;

	mutex_lock(&entry_failure_lock);
	if (entry_failure_text)
		ret = simple_read_from_buffer(ubuf, count, ppos, entry_failure_text,
					      strlen(entry_failure_text));
	mutex_unlock(&entry_failure_lock);
	return ret;
}

static const struct file_operations entry_failure_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= entry_failure_read,
	.llseek	= default_llseek,
};

void minikvm_debugfs_init(void)
{
	minikvm_debugfs_root = debugfs_create_dir("minikvm", NULL);
	debugfs_create_file("entry_failure", 0400, minikvm_debugfs_root, NULL,
			    &entry_failure_fops);
}

void minikvm_debugfs_exit(void)
{
	debugfs_remove_recursive(minikvm_debugfs_root);
	kfree(entry_failure_text);
	entry_failure_text = NULL;
}

/**
 * minikvm_debugfs_vm_create() - the VM's directory and its summed files
 * @vm: a VM not yet visible to userspace
 */
void minikvm_debugfs_vm_create(struct minikvm_vm *vm)
{
	struct minikvm_vm_debugfs *d;
	char name[32];
	unsigned int i;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return;
	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current),
		 atomic_inc_return(&minikvm_vm_seq));
	d->dir = debugfs_create_dir(name, minikvm_debugfs_root);
	debugfs_create_file("exits", 0444, d->dir, vm, &vm_exits_fops);
	for (i = 0; i < ARRAY_SIZE(minikvm_stat_descs); i++) {
		d->files[i].vm = vm;
		d->files[i].desc = &minikvm_stat_descs[i];
		debugfs_create_file_unsafe(minikvm_stat_descs[i].name, 0444, d->dir,
					   &d->files[i], &vm_stat_fops);
	}
	vm->debugfs = d;
}

/**
 * minikvm_debugfs_vm_destroy() - remove the VM's tree
 * @vm: the VM, its vCPUs still allocated
 *
 * Waits for readers of its files to finish.
 */
void minikvm_debugfs_vm_destroy(struct minikvm_vm *vm)
{
	if (!vm->debugfs)
		return;
	debugfs_remove_recursive(vm->debugfs->dir);
	kfree(vm->debugfs);
	vm->debugfs = NULL;
}

/**
 * minikvm_debugfs_vcpu_create() - the vcpu<id> directory
 * @vcpu: a vCPU just added to its VM, vm->lock held
 */
void minikvm_debugfs_vcpu_create(struct minikvm_vcpu *vcpu)
{
	struct dentry *dir;
	char name[16];
	unsigned int i;

	if (!vcpu->vm->debugfs)
		return;
	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	dir = debugfs_create_dir(name, vcpu->vm->debugfs->dir);
	debugfs_create_file("exits", 0444, dir, &vcpu->stat, &vcpu_exits_fops);
	for (i = 0; i < ARRAY_SIZE(minikvm_stat_descs); i++)
		debugfs_create_file_unsafe(minikvm_stat_descs[i].name, 0444, dir,
					   (char *)&vcpu->stat + minikvm_stat_descs[i].offset,
					   &vcpu_stat_fops);
}
