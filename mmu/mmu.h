/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: memory slots (GPA -> HVA) and the EPT tables built from
 * them (GPA -> HPA). Environment: process context; the VM's mmu.lock
 * serializes slot changes against EPT faults.
 */
#ifndef MINIKVM_MMU_H
#define MINIKVM_MMU_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/types.h>

#define MINIKVM_USER_MEM_SLOTS	32

struct mm_struct;
struct page;
struct minikvm_vm;
struct minikvm_vcpu;

struct mmu_slot {
	bool used;
	u32 flags;			/* KVM_MEM_* */
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;	/* HVA of base_gfn in the VM's mm */
	struct page ***pages;		/* pinned pages, mmu/slot_pages.c; NULL until first touch */
	unsigned long *dirty_bitmap;	/* KVM_MEM_LOG_DIRTY_PAGES: written since last read */
};

struct mmu_vm {
	struct mutex lock;
	struct mmu_slot slots[MINIKVM_USER_MEM_SLOTS];
	u64 *ept_root;			/* PML4 page, kernel virtual */
	u64 eptp;
	bool large_split;		/* a 2 MiB leaf was replaced: flush due */
	u64 max_gfn;			/* the highest GFN a slot may hold */
	u64 generation;			/* counts slot changes: a pin made unlocked is checked */
	unsigned long pages_pinned;
	struct mm_struct *mm;		/* the VMM's: its RLIMIT_MEMLOCK pays for the pins */
};

/* mmu/slot_pages.c: a slot's pinned pages by index; mmu->lock held. */
struct page *mmu_slot_page(const struct mmu_slot *s, u64 idx);
int mmu_slot_set_page(struct mmu_slot *s, u64 idx, struct page *page);
unsigned long mmu_slot_unpin_all(struct mmu_slot *s);

int mmu_vm_init(struct minikvm_vm *vm);
void mmu_vm_destroy(struct minikvm_vm *vm);
int mmu_set_user_memory_region(struct minikvm_vm *vm,
			       const struct kvm_userspace_memory_region *mem);
struct mmu_slot *mmu_find_slot(struct mmu_vm *mmu, u64 gfn);
int mmu_read_guest(struct minikvm_vm *vm, u64 gpa, void *data, unsigned long len);
int mmu_write_guest(struct minikvm_vm *vm, u64 gpa, const void *data, unsigned long len);
int mmu_update_guest_entry(struct minikvm_vm *vm, u64 gpa, u64 old, u64 new, unsigned int size);

/* mmu/gva.c: the guest's own page tables, GVA -> GPA */
struct mmu_gva_walk {
	u64 gpa;
	u64 pte;		/* the leaf entry, 0 without paging */
	unsigned int level;	/* 1 = 4 KiB ... 3 = 1 GiB; 0 = no paging */
	bool writable, user;	/* R/W and U/S of every level */
	/* Each entry used, top level first, with its GPA: for the A/D bits. */
	unsigned int nr_entries, entry_size;
	u64 entry[4], entry_gpa[4];
};
int mmu_gva_walk(struct minikvm_vcpu *vcpu, unsigned long gva, struct mmu_gva_walk *w);
int mmu_gva_to_gpa(struct minikvm_vcpu *vcpu, unsigned long gva, u64 *gpa);
/* An exception an emulated access raises: #PF (with CR2) or #GP(0). */
struct mmu_gva_fault {
	u8 vector;
	u32 error_code;		/* PFERR_* of <asm/kvm_host.h> for a #PF */
	unsigned long address;	/* the guest-linear address, CR2 for a #PF */
};
int mmu_gva_access(struct minikvm_vcpu *vcpu, unsigned long gva, void *buf,
		   unsigned int len, bool write, struct mmu_gva_fault *fault);
unsigned int mmu_gva_copy(struct minikvm_vcpu *vcpu, unsigned long gva, void *buf,
			  unsigned int len, bool to_guest);

/* mmu/translate.c: KVM_TRANSLATE and the whole chain (uapi/minikvm.h) */
long mmu_translate_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

/*
 * mmu/ept_violation.c, mmu/ept_misconfig.c: the vendor's page-fault exits
 * (vmx/exit_ept.c). @access: PFERR_* bits of <asm/kvm_host.h>.
 */
int mmu_page_fault(struct minikvm_vcpu *vcpu, u64 gpa, u64 access);
int mmu_mmio_fault(struct minikvm_vcpu *vcpu, u64 gpa);

/* mmu/mmio.c: an access to a GPA no slot backs, or a write to a read-only slot */
int mmu_mmio_emulate(struct minikvm_vcpu *vcpu, u64 gpa);

int mmu_charge_pinned(struct mmu_vm *mmu, unsigned long npages);
void mmu_uncharge_pinned(struct mmu_vm *mmu, unsigned long npages);

/* mmu/dirty_log.c */
int mmu_get_dirty_log(struct minikvm_vm *vm, struct kvm_dirty_log *log);

/* mmu/ept.c */
int ept_map_page(struct mmu_vm *mmu, u64 gpa, u64 hpa, bool writable, bool executable);
int ept_map_large(struct mmu_vm *mmu, u64 gpa, u64 hpa, bool writable);
int ept_lookup(struct mmu_vm *mmu, u64 gpa, u64 *entry);
int ept_mark_mmio(struct mmu_vm *mmu, u64 gpa);
bool ept_is_mmio(struct mmu_vm *mmu, u64 gpa);
void ept_write_protect(struct mmu_vm *mmu, u64 gfn);
void ept_zap_range(struct mmu_vm *mmu, u64 gfn, u64 npages);
void ept_flush_all_cpus(struct mmu_vm *mmu);
void ept_free_tables(struct mmu_vm *mmu);

#endif /* MINIKVM_MMU_H */
