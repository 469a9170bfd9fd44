// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a bzImage by the x86 Linux boot protocol, 64-bit entry
 * (Documentation/x86/boot.rst: "64-bit Boot Protocol"), the way a boot
 * loader would: the protected-mode kernel at 1 MiB, the zero page
 * (struct boot_params of <asm/bootparam.h>) with the file's setup header,
 * an e820 map, the command line and the initrd; then the BSP enters at
 * the kernel's startup_64 (load address + 0x200) in long mode, with the
 * low 4 GiB identity-mapped by 2 MiB pages, a flat GDT with __BOOT_CS
 * (0x10) and __BOOT_DS (0x18), interrupts off and %rsi = the zero page.
 * The kernel relocates and decompresses itself from there. Secondary
 * vCPUs start later, from the guest's own INIT/SIPI.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <asm/bootparam.h>
#include <asm/e820.h>

#include "mkvm.h"

#define SETUP_HDR_OFF	0x1f1
#define HDRS_MAGIC	0x53726448	/* "HdrS" */
#define MIN_VERSION	0x020c		/* 2.12: xloadflags, 64-bit entry */
#define ENTRY_64_OFF	0x200
#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080
#define BOOT_CS		0x10
#define BOOT_DS		0x18

/* Reads PATH whole into malloc'd memory; one clear line on error. */
static uint8_t *read_file(const char *what, const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "mkvm: %s %s: %s\n", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		fprintf(stderr, "mkvm: %s %s: not a regular, non-empty file\n", what, path);
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size);
	while (buf && done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n <= 0) {
			fprintf(stderr, "mkvm: %s %s: short read\n", what, path);
			free(buf);
			buf = NULL;
		} else {
			done += n;
		}
	}
	close(fd);
	*size = done;
	return buf;
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

static void build_page_tables(struct mkvm_vm *vm)
{
	uint64_t *pml4 = (void *)(vm->mem + MKVM_PML4);
	uint64_t *pdpt = (void *)(vm->mem + MKVM_PDPT);
	uint64_t *pd = (void *)(vm->mem + MKVM_PD);
	uint64_t i;

	pml4[0] = MKVM_PDPT | PTE_P | PTE_W;
	for (i = 0; i < 4; i++)
		pdpt[i] = (MKVM_PD + i * 0x1000) | PTE_P | PTE_W;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
}

static void build_gdt(struct mkvm_vm *vm)
{
	uint64_t *gdt = (void *)(vm->mem + MKVM_GDT);

	gdt[BOOT_CS / 8] = 0x00af9b000000ffffull;	/* 64-bit code, accessed */
	gdt[BOOT_DS / 8] = 0x00cf93000000ffffull;	/* 4 GiB data, accessed */
}

/* Checks the setup header; returns the protected-mode kernel's offset. */
static long check_bzimage(const char *path, const uint8_t *img, size_t size,
			  struct setup_header *hdr, uint64_t mem_size)
{
	size_t hdr_len;
	long off;

	if (size < 0x1000 || img[0x1fe] != 0x55 || img[0x1ff] != 0xaa ||
	    *(const uint32_t *)(img + 0x202) != HDRS_MAGIC) {
		fprintf(stderr, "mkvm: kernel %s: not a bzImage (no boot sector signature or HdrS)\n",
			path);
		return -1;
	}
	/* The header runs from 0x1f1 to 0x202 + the jump's offset byte. */
	hdr_len = 0x202 + img[0x201] - SETUP_HDR_OFF;
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, img + SETUP_HDR_OFF, hdr_len < sizeof(*hdr) ? hdr_len : sizeof(*hdr));
	if (hdr->version < MIN_VERSION || !(hdr->xloadflags & XLF_KERNEL_64)) {
		fprintf(stderr, "mkvm: kernel %s: boot protocol %u.%02u without a 64-bit entry point\n",
			path, hdr->version >> 8, hdr->version & 0xff);
		return -1;
	}
	off = ((long)(hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	if ((size_t)off >= size) {
		fprintf(stderr, "mkvm: kernel %s: truncated bzImage\n", path);
		return -1;
	}
	if (hdr->pref_address + hdr->init_size > mem_size ||
	    MKVM_KERNEL + size > mem_size) {
		fprintf(stderr, "mkvm: kernel %s: needs %llu MiB of guest memory to decompress\n",
			path, (unsigned long long)((hdr->pref_address + hdr->init_size) >> 20) + 1);
		return -1;
	}
	return off;
}

static int load_initrd(struct mkvm_vm *vm, struct boot_params *bp, const char *path)
{
	uint64_t top, addr, floor;
	size_t size;
	uint8_t *img;

	img = read_file("initrd", path, &size);
	if (!img)
		return -1;
	top = vm->mem_size;
	if (top > (uint64_t)bp->hdr.initrd_addr_max + 1)
		top = (uint64_t)bp->hdr.initrd_addr_max + 1;
	/* Above where the kernel decompresses itself, page aligned. */
	floor = bp->hdr.pref_address + bp->hdr.init_size;
	if (size > top || ((top - size) & ~0xfffull) < floor) {
		fprintf(stderr, "mkvm: initrd %s: %zu bytes do not fit in --mem above the kernel\n",
			path, size);
		free(img);
		return -1;
	}
	addr = (top - size) & ~0xfffull;
	memcpy(vm->mem + addr, img, size);
	free(img);
	bp->hdr.ramdisk_image = (uint32_t)addr;
	bp->ext_ramdisk_image = addr >> 32;
	bp->hdr.ramdisk_size = (uint32_t)size;
	bp->ext_ramdisk_size = (uint64_t)size >> 32;
	vm->initrd_addr = addr;
	vm->initrd_size = size;
	return 0;
}

int mkvm_boot_load(struct mkvm_vm *vm, const char *kernel, const char *initrd,
		   const char *cmdline)
{
	struct boot_params *bp = (void *)(vm->mem + MKVM_ZERO_PAGE);
	size_t size, len = strlen(cmdline);
	uint8_t *img;
	long off;

	img = read_file("kernel", kernel, &size);
	if (!img)
		return -1;
	memset(bp, 0, sizeof(*bp));
	off = check_bzimage(kernel, img, size, &bp->hdr, vm->mem_size);
	if (off < 0) {
		free(img);
		return -1;
	}
	memcpy(vm->mem + MKVM_KERNEL, img + off, size - off);
	free(img);
	vm->kernel_addr = MKVM_KERNEL;
	vm->kernel_size = size - off;

	if (len >= MKVM_CMDLINE_MAX || len >= bp->hdr.cmdline_size) {
		fprintf(stderr, "mkvm: --cmdline: %zu bytes, the kernel takes at most %u\n",
			len, bp->hdr.cmdline_size);
		return -1;
	}
	memcpy(vm->mem + MKVM_CMDLINE, cmdline, len + 1);
	bp->hdr.cmd_line_ptr = MKVM_CMDLINE;
	bp->hdr.type_of_loader = 0xff;		/* undefined boot loader */
	bp->hdr.code32_start = MKVM_KERNEL;
	if (initrd && load_initrd(vm, bp, initrd))
		return -1;

	add_e820(bp, 0, MKVM_EBDA, E820_RAM);
	add_e820(bp, MKVM_EBDA, 0xa0000 - MKVM_EBDA, E820_RESERVED);
	add_e820(bp, MKVM_ACPI, MKVM_ACPI_END - MKVM_ACPI, E820_RESERVED);
	add_e820(bp, MKVM_KERNEL, vm->mem_size - MKVM_KERNEL, E820_RAM);
	bp->acpi_rsdp_addr = MKVM_ACPI;
	mkvm_acpi_build(vm, MKVM_ACPI);
	build_page_tables(vm);
	build_gdt(vm);
	return 0;
}

/* The BSP's entry state; the others wait for INIT/SIPI. */
int mkvm_boot_regs(struct mkvm_vm *vm, int vcpu_fd)
{
	struct kvm_segment code = { .limit = 0xffffffff, .selector = BOOT_CS, .type = 11,
				    .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff, .selector = BOOT_DS, .type = 3,
				    .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_regs regs = { .rip = vm->kernel_addr + ENTRY_64_OFF,
				 .rsi = MKVM_ZERO_PAGE, .rsp = MKVM_STACK_TOP, .rflags = 2 };
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_sregs sregs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = MKVM_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr3 = MKVM_PML4;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.cr0 = 0x80050033;			/* PG, WP, NE, ET, MP, PE */
	sregs.efer = 0x500;			/* LMA, LME */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) || ioctl(vcpu_fd, KVM_SET_REGS, &regs) ||
	    ioctl(vcpu_fd, KVM_SET_FPU, &fpu))
		return -errno;
	return 0;
}
