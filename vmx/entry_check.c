// SPDX-License-Identifier: GPL-2.0
/*
 * Why did VM entry fail? The CPU says only "invalid guest state" (exit
 * reason 33 with bit 31 set). This file reads the guest-state area back
 * and walks the checks the CPU makes, in the order of SDM Vol. 3C,
 * "Checks on the Guest Register State" and "Checks on Guest
 * Non-Register State", and names the first one the state breaks. The
 * answer goes to the kernel log (rate-limited) and, with a dump of the
 * guest-state area, to /sys/kernel/debug/minikvm/entry_failure (the
 * last failure of any VM; core/stats.c keeps it).
 *
 * Only the checks that minikvm's own controls make reachable are here:
 * unrestricted guest is always on, EPT always on, no shadow VMCS, no
 * CET, no PKS, no SMM. The table below is the list; a failure none of
 * its rows explains is reported as such, with the dump.
 *
 * Environment: vCPU thread, vCPU loaded (VMREADs of its VMCS).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "core/stats.h"
#include "vmx/entry_check.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, NR_SEGS };

static const char * const seg_names[NR_SEGS] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};

struct guest_seg {
	u16 sel;
	u32 limit, ar;
	unsigned long base;
};

/* The guest-state area and the controls the checks depend on. */
struct guest_state {
	u32 entry_ctls, proc2, intr_info, intr_state, activity;
	unsigned long cr0, cr3, cr4, dr7, rip, rflags, pending_dbg;
	unsigned long sysenter_esp, sysenter_eip;
	unsigned long gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u64 debugctl, efer, pat, link;
	u64 pdpte[4];
	struct guest_seg seg[NR_SEGS];
	/* Set by the checks: the segment a per-segment rule failed on. */
	int bad_seg;
};

#define READ_SEG(g, i, NAME) do {					\
	(g)->seg[i].sel = vmcs_read16(GUEST_##NAME##_SELECTOR);		\
	(g)->seg[i].base = vmcs_readl(GUEST_##NAME##_BASE);		\
	(g)->seg[i].limit = vmcs_read32(GUEST_##NAME##_LIMIT);		\
	(g)->seg[i].ar = vmcs_read32(GUEST_##NAME##_AR_BYTES);		\
} while (0)

/* Room for the verdict and the dump below. */
#define ENTRY_FAILURE_TEXT	2048

static void read_guest_state(struct guest_state *g)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);

	g->entry_ctls = vmcs_read32(VM_ENTRY_CONTROLS);
	g->proc2 = (proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ?
		   vmcs_read32(SECONDARY_VM_EXEC_CONTROL) : 0;
	g->intr_info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	g->intr_state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	g->activity = vmcs_read32(GUEST_ACTIVITY_STATE);
	g->cr0 = vmcs_readl(GUEST_CR0);
	g->cr3 = vmcs_readl(GUEST_CR3);
	g->cr4 = vmcs_readl(GUEST_CR4);
	g->dr7 = vmcs_readl(GUEST_DR7);
	g->rip = vmcs_readl(GUEST_RIP);
	g->rflags = vmcs_readl(GUEST_RFLAGS);
	g->pending_dbg = vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS);
	g->sysenter_esp = vmcs_readl(GUEST_SYSENTER_ESP);
	g->sysenter_eip = vmcs_readl(GUEST_SYSENTER_EIP);
	g->gdtr_base = vmcs_readl(GUEST_GDTR_BASE);
	g->idtr_base = vmcs_readl(GUEST_IDTR_BASE);
	g->gdtr_limit = vmcs_read32(GUEST_GDTR_LIMIT);
	g->idtr_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	g->debugctl = vmcs_read64(GUEST_IA32_DEBUGCTL);
	g->efer = vmcs_read64(GUEST_IA32_EFER);
	g->pat = vmcs_read64(GUEST_IA32_PAT);
	g->link = vmcs_read64(VMCS_LINK_POINTER);
	g->pdpte[0] = vmcs_read64(GUEST_PDPTR0);
	g->pdpte[1] = vmcs_read64(GUEST_PDPTR1);
	g->pdpte[2] = vmcs_read64(GUEST_PDPTR2);
	g->pdpte[3] = vmcs_read64(GUEST_PDPTR3);
	READ_SEG(g, SEG_ES, ES);
	READ_SEG(g, SEG_CS, CS);
	READ_SEG(g, SEG_SS, SS);
	READ_SEG(g, SEG_DS, DS);
	READ_SEG(g, SEG_FS, FS);
	READ_SEG(g, SEG_GS, GS);
	READ_SEG(g, SEG_LDTR, LDTR);
	READ_SEG(g, SEG_TR, TR);
	g->bad_seg = -1;
}

static bool ia32e(const struct guest_state *g)
{
	return g->entry_ctls & VM_ENTRY_IA32E_MODE;
}

static bool canonical(u64 addr)
{
	return __is_canonical_address(addr, boot_cpu_has(X86_FEATURE_LA57) ? 57 : 48);
}

static bool beyond_maxphyaddr(u64 addr)
{
	return addr >> boot_cpu_data.x86_phys_bits;
}

static bool usable(const struct guest_seg *s)
{
	return !(s->ar & VMX_AR_UNUSABLE_MASK);
}

static unsigned int seg_type(const struct guest_seg *s)
{
	return s->ar & VMX_AR_TYPE_MASK;
}

/* --- SDM Vol. 3C, "Checks on Guest Control Registers, Debug Registers, and MSRs" */

static bool bad_cr0_fixed(struct guest_state *g)
{
	/* Unrestricted guest exempts PE and PG from CR0_FIXED0. */
	u64 fixed0 = mvmx_config.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	return (g->cr0 & fixed0) != fixed0 || (g->cr0 & ~mvmx_config.cr0_fixed1);
}

static bool bad_cr0_pg_without_pe(struct guest_state *g)
{
	return (g->cr0 & X86_CR0_PG) && !(g->cr0 & X86_CR0_PE);
}

static bool bad_cr4_fixed(struct guest_state *g)
{
	return (g->cr4 & mvmx_config.cr4_fixed0) != mvmx_config.cr4_fixed0 ||
	       (g->cr4 & ~mvmx_config.cr4_fixed1);
}

static bool bad_ia32e_paging(struct guest_state *g)
{
	return ia32e(g) && (!(g->cr0 & X86_CR0_PG) || !(g->cr4 & X86_CR4_PAE));
}

static bool bad_pcide_outside_ia32e(struct guest_state *g)
{
	return !ia32e(g) && (g->cr4 & X86_CR4_PCIDE);
}

static bool bad_cr3(struct guest_state *g)
{
	return beyond_maxphyaddr(g->cr3);
}

static bool bad_dr7(struct guest_state *g)
{
	return (g->entry_ctls & VM_ENTRY_LOAD_DEBUG_CONTROLS) && (g->dr7 >> 32);
}

static bool bad_sysenter(struct guest_state *g)
{
	return !canonical(g->sysenter_esp) || !canonical(g->sysenter_eip);
}

static bool bad_pat(struct guest_state *g)
{
	return (g->entry_ctls & VM_ENTRY_LOAD_IA32_PAT) && !mvmx_pat_valid(g->pat);
}

static bool bad_efer(struct guest_state *g)
{
	const u64 reserved = ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);
	bool lma = g->efer & EFER_LMA, lme = g->efer & EFER_LME;

	if (!(g->entry_ctls & VM_ENTRY_LOAD_IA32_EFER))
		return false;
	return (g->efer & reserved) || lma != ia32e(g) ||
	       ((g->cr0 & X86_CR0_PG) && lma != lme);
}

/* --- SDM Vol. 3C, "Checks on Guest Segment Registers" (unrestricted guest) */

/* A rule about one segment register: true when @s (index @i) breaks it. */
typedef bool (*seg_rule_t)(const struct guest_state *g, const struct guest_seg *s, int i);

static bool first_bad_seg(struct guest_state *g, unsigned int mask, seg_rule_t bad)
{
	int i;

	for (i = 0; i < NR_SEGS; i++) {
		if ((mask & BIT(i)) && bad(g, &g->seg[i], i)) {
			g->bad_seg = i;
			return true;
		}
	}
	return false;
}

#define DATA_SEGS	(BIT(SEG_SS) | BIT(SEG_DS) | BIT(SEG_ES) | BIT(SEG_FS) | BIT(SEG_GS))
#define ALL_SEGS	(BIT(NR_SEGS) - 1)

static bool seg_ti_set(const struct guest_state *g, const struct guest_seg *s, int i)
{
	/* TR always; LDTR only when usable. */
	return (i == SEG_TR || usable(s)) && (s->sel & SEGMENT_TI_MASK);
}

static bool bad_selector_ti(struct guest_state *g)
{
	return first_bad_seg(g, BIT(SEG_TR) | BIT(SEG_LDTR), seg_ti_set);
}

static bool seg_base_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	switch (i) {
	case SEG_TR:
	case SEG_FS:
	case SEG_GS:
		return !canonical(s->base);
	case SEG_LDTR:
		return usable(s) && !canonical(s->base);
	case SEG_CS:
		return s->base >> 32;
	default:	/* SS, DS, ES */
		return usable(s) && (s->base >> 32);
	}
}

static bool bad_seg_base(struct guest_state *g)
{
	return first_bad_seg(g, ALL_SEGS, seg_base_bad);
}

static bool cs_type_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	unsigned int t = seg_type(s);

	/* 3 (read/write accessed data) only with unrestricted guest; 9, 11, 13, 15: code. */
	return !(t == 3 || t == 9 || t == 11 || t == 13 || t == 15);
}

static bool ss_type_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	return usable(s) && seg_type(s) != 3 && seg_type(s) != 7;
}

static bool data_type_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	unsigned int t = seg_type(s);

	if (!usable(s))
		return false;
	return !(t & VMX_AR_TYPE_ACCESSES_MASK) ||
	       ((t & VMX_AR_TYPE_CODE_MASK) && !(t & VMX_AR_TYPE_READABLE_MASK));
}

static bool bad_seg_type(struct guest_state *g)
{
	return first_bad_seg(g, BIT(SEG_CS), cs_type_bad) ||
	       first_bad_seg(g, BIT(SEG_SS), ss_type_bad) ||
	       first_bad_seg(g, DATA_SEGS & ~BIT(SEG_SS), data_type_bad);
}

static bool s_or_p_clear(const struct guest_state *g, const struct guest_seg *s, int i)
{
	if (i != SEG_CS && !usable(s))
		return false;
	return !(s->ar & VMX_AR_S_MASK) || !(s->ar & VMX_AR_P_MASK);
}

static bool bad_seg_s_p(struct guest_state *g)
{
	return first_bad_seg(g, BIT(SEG_CS) | DATA_SEGS, s_or_p_clear);
}

static bool bad_seg_dpl(struct guest_state *g)
{
	const struct guest_seg *cs = &g->seg[SEG_CS], *ss = &g->seg[SEG_SS];
	unsigned int cs_dpl = VMX_AR_DPL(cs->ar), ss_dpl = VMX_AR_DPL(ss->ar);
	unsigned int type = seg_type(cs);
	bool bad_cs;

	if (type == 3)			/* data: only with unrestricted guest */
		bad_cs = cs_dpl != 0;
	else if (type == 9 || type == 11)	/* non-conforming code */
		bad_cs = cs_dpl != ss_dpl;
	else				/* conforming code */
		bad_cs = cs_dpl > ss_dpl;
	if (bad_cs) {
		g->bad_seg = SEG_CS;
		return true;
	}
	/* SS.DPL is 0 when CS is type 3 or CR0.PE is 0. */
	if ((type == 3 || !(g->cr0 & X86_CR0_PE)) && ss_dpl) {
		g->bad_seg = SEG_SS;
		return true;
	}
	return false;
}

static bool ar_reserved(const struct guest_state *g, const struct guest_seg *s, int i)
{
	return (i == SEG_CS || i == SEG_TR || usable(s)) && (s->ar & VMX_AR_RESERVD_MASK);
}

static bool bad_seg_ar_reserved(struct guest_state *g)
{
	return first_bad_seg(g, ALL_SEGS, ar_reserved);
}

static bool bad_cs_l_and_d(struct guest_state *g)
{
	const struct guest_seg *cs = &g->seg[SEG_CS];

	if (ia32e(g) && (cs->ar & VMX_AR_L_MASK) && (cs->ar & VMX_AR_DB_MASK)) {
		g->bad_seg = SEG_CS;
		return true;
	}
	return false;
}

static bool g_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	if (i != SEG_CS && i != SEG_TR && !usable(s))
		return false;
	if ((s->limit & 0xfff) != 0xfff && (s->ar & VMX_AR_G_MASK))
		return true;
	return (s->limit & 0xfff00000) && !(s->ar & VMX_AR_G_MASK);
}

static bool bad_seg_granularity(struct guest_state *g)
{
	return first_bad_seg(g, ALL_SEGS, g_bad);
}

static bool tr_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	unsigned int t = seg_type(s);

	if (ia32e(g) ? t != VMX_AR_TYPE_BUSY_64_TSS :
		       t != VMX_AR_TYPE_BUSY_16_TSS && t != VMX_AR_TYPE_BUSY_32_TSS)
		return true;
	return (s->ar & VMX_AR_S_MASK) || !(s->ar & VMX_AR_P_MASK) || !usable(s);
}

static bool ldtr_bad(const struct guest_state *g, const struct guest_seg *s, int i)
{
	if (!usable(s))
		return false;
	return seg_type(s) != VMX_AR_TYPE_LDT || (s->ar & VMX_AR_S_MASK) ||
	       !(s->ar & VMX_AR_P_MASK);
}

static bool bad_tr(struct guest_state *g)
{
	return first_bad_seg(g, BIT(SEG_TR), tr_bad);
}

static bool bad_ldtr(struct guest_state *g)
{
	return first_bad_seg(g, BIT(SEG_LDTR), ldtr_bad);
}

/* --- SDM Vol. 3C, "Checks on Guest Descriptor-Table Registers" */

static bool bad_dtr(struct guest_state *g)
{
	return !canonical(g->gdtr_base) || !canonical(g->idtr_base) ||
	       (g->gdtr_limit >> 16) || (g->idtr_limit >> 16);
}

/* --- SDM Vol. 3C, "Checks on Guest RIP, RFLAGS, and SSP" */

static bool bad_rip(struct guest_state *g)
{
	if (ia32e(g) && (g->seg[SEG_CS].ar & VMX_AR_L_MASK))
		return !canonical(g->rip);
	return g->rip >> 32;
}

static bool bad_rflags(struct guest_state *g)
{
	const unsigned long reserved = ~0x3f7fd7ul;	/* 63:22, 15, 5, 3 */

	return (g->rflags & reserved) || !(g->rflags & X86_EFLAGS_FIXED);
}

static bool bad_rflags_vm(struct guest_state *g)
{
	return (g->rflags & X86_EFLAGS_VM) && (ia32e(g) || !(g->cr0 & X86_CR0_PE));
}

static bool bad_rflags_if_for_interrupt(struct guest_state *g)
{
	return (g->intr_info & INTR_INFO_VALID_MASK) &&
	       (g->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR &&
	       !(g->rflags & X86_EFLAGS_IF);
}

/* --- SDM Vol. 3C, "Checks on Guest Non-Register State" */

static bool bad_activity(struct guest_state *g)
{
	if (g->activity > GUEST_ACTIVITY_WAIT_SIPI)
		return true;
	return g->activity == GUEST_ACTIVITY_HLT && VMX_AR_DPL(g->seg[SEG_SS].ar);
}

static bool bad_interruptibility(struct guest_state *g)
{
	u32 s = g->intr_state;
	bool injecting = g->intr_info & INTR_INFO_VALID_MASK;
	u32 type = g->intr_info & INTR_INFO_INTR_TYPE_MASK;

	if (s & ~0x1fu)
		return true;
	if ((s & GUEST_INTR_STATE_SMI) && !(g->entry_ctls & VM_ENTRY_SMM))
		return true;
	if ((s & GUEST_INTR_STATE_STI) && (s & GUEST_INTR_STATE_MOV_SS))
		return true;
	if (!(g->rflags & X86_EFLAGS_IF) && (s & GUEST_INTR_STATE_STI))
		return true;
	if (injecting && type == INTR_TYPE_EXT_INTR &&
	    (s & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		return true;
	return injecting && type == INTR_TYPE_NMI_INTR && (s & GUEST_INTR_STATE_MOV_SS);
}

static bool bad_pending_dbg(struct guest_state *g)
{
	/* B3-B0, BS, bit 12 ("enabled breakpoint") and bit 16 (RTM) may be set. */
	const unsigned long reserved = ~(DR_TRAP_BITS | DR_STEP | BIT(12) | BIT(16));
	bool blocked = g->intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS) ||
		       g->activity == GUEST_ACTIVITY_HLT;
	bool bs = g->pending_dbg & DR_STEP;
	bool tf = (g->rflags & X86_EFLAGS_TF) && !(g->debugctl & DEBUGCTLMSR_BTF);

	if (g->pending_dbg & reserved)
		return true;
	return blocked && bs != tf;
}

static bool bad_link_pointer(struct guest_state *g)
{
	return g->link != ~0ull;	/* no shadow VMCS: must be all ones */
}

/* --- SDM Vol. 3C, "Checks on Guest Page-Directory-Pointer-Table Entries" */

static bool bad_pdptes(struct guest_state *g)
{
	/* Bits 2:1 and 8:5 reserved, and any bit beyond MAXPHYADDR (63 too). */
	const u64 reserved = 0x1e6ull;
	int i;

	if (ia32e(g) || !(g->cr0 & X86_CR0_PG) || !(g->cr4 & X86_CR4_PAE))
		return false;
	for (i = 0; i < 4; i++)
		if ((g->pdpte[i] & _PAGE_PRESENT) &&
		    ((g->pdpte[i] & reserved) ||
		     beyond_maxphyaddr(g->pdpte[i] & PAGE_MASK)))
			return true;
	return false;
}

struct entry_check {
	const char *rule;		/* the SDM's rule, in its words where short */
	bool (*bad)(struct guest_state *g);
};

/* In the SDM's order: the CPU reports the first it finds, so do we. */
static const struct entry_check entry_checks[] = {
	{ "CR0: a bit fixed by IA32_VMX_CR0_FIXED0/1 has the wrong value", bad_cr0_fixed },
	{ "CR0: PG set without PE", bad_cr0_pg_without_pe },
	{ "CR4: a bit fixed by IA32_VMX_CR4_FIXED0/1 has the wrong value", bad_cr4_fixed },
	{ "IA-32e mode guest without CR0.PG and CR4.PAE", bad_ia32e_paging },
	{ "CR4.PCIDE set outside IA-32e mode", bad_pcide_outside_ia32e },
	{ "CR3: a bit beyond MAXPHYADDR is set", bad_cr3 },
	{ "DR7: bits 63:32 are not zero", bad_dr7 },
	{ "IA32_SYSENTER_ESP or _EIP is not canonical", bad_sysenter },
	{ "IA32_PAT: an entry is not a valid memory type", bad_pat },
	{ "IA32_EFER: reserved bit, or LMA differs from IA-32e mode guest or from LME", bad_efer },
	{ "selector: TI flag set in TR or a usable LDTR", bad_selector_ti },
	{ "base: not canonical (TR, FS, GS, LDTR) or bits 63:32 set (CS, SS, DS, ES)", bad_seg_base },
	{ "access rights: segment type not allowed here", bad_seg_type },
	{ "access rights: S or P clear in CS or a usable data segment", bad_seg_s_p },
	{ "access rights: DPL does not fit the CS type, SS or CR0.PE", bad_seg_dpl },
	{ "access rights: reserved bits 11:8 or 31:17 set", bad_seg_ar_reserved },
	{ "access rights: CS.L and CS.D both set in IA-32e mode", bad_cs_l_and_d },
	{ "access rights: G does not match the limit", bad_seg_granularity },
	{ "TR: not a busy TSS of the right kind, S set, P clear or unusable", bad_tr },
	{ "LDTR: usable but not an LDT, S set or P clear", bad_ldtr },
	{ "GDTR/IDTR: base not canonical or limit above 0xffff", bad_dtr },
	{ "RIP: not canonical in 64-bit mode, or bits 63:32 set outside it", bad_rip },
	{ "RFLAGS: a reserved bit is set or bit 1 is clear", bad_rflags },
	{ "RFLAGS.VM set in IA-32e mode or with CR0.PE clear", bad_rflags_vm },
	{ "RFLAGS.IF clear while injecting an external interrupt", bad_rflags_if_for_interrupt },
	{ "activity state: not 0-3, or HLT with SS.DPL not 0", bad_activity },
	{ "interruptibility state: reserved bits, or a blocking the state does not allow", bad_interruptibility },
	{ "pending debug exceptions: reserved bits, or BS does not follow RFLAGS.TF", bad_pending_dbg },
	{ "VMCS link pointer is not all ones", bad_link_pointer },
	{ "PDPTE: a present entry has a reserved bit set", bad_pdptes },
};

static int dump_guest_state(char *buf, size_t size, const struct guest_state *g)
{
	int n, i;

	n = scnprintf(buf, size,
		      "CR0 %#lx CR3 %#lx CR4 %#lx DR7 %#lx\n"
		      "RIP %#lx RFLAGS %#lx EFER %#llx PAT %#llx DEBUGCTL %#llx\n"
		      "entry controls %#x secondary %#x entry event %#x\n"
		      "interruptibility %#x activity %u pending debug %#lx link %#llx\n"
		      "GDTR %#lx/%#x IDTR %#lx/%#x SYSENTER ESP %#lx EIP %#lx\n"
		      "PDPTE %#llx %#llx %#llx %#llx\n",
		      g->cr0, g->cr3, g->cr4, g->dr7,
		      g->rip, g->rflags, g->efer, g->pat, g->debugctl,
		      g->entry_ctls, g->proc2, g->intr_info,
		      g->intr_state, g->activity, g->pending_dbg, g->link,
		      g->gdtr_base, g->gdtr_limit, g->idtr_base, g->idtr_limit,
		      g->sysenter_esp, g->sysenter_eip,
		      g->pdpte[0], g->pdpte[1], g->pdpte[2], g->pdpte[3]);
	for (i = 0; i < NR_SEGS; i++)
		n += scnprintf(buf + n, size - n, "%-4s sel %#06x base %#018lx limit %#010x ar %#07x\n",
			       seg_names[i], g->seg[i].sel, g->seg[i].base,
			       g->seg[i].limit, g->seg[i].ar);
	return n;
}

/**
 * mvmx_explain_entry_failure() - name the check a failed VM entry broke
 * @vcpu: the vCPU whose entry failed, loaded
 * @reason: the full exit reason (bit 31 set)
 * @qualification: its exit qualification
 *
 * For exit reason 33 the guest-state area is checked row by row; for 34
 * (MSR loading) and 41 (machine check) the qualification says it all.
 */
void mvmx_explain_entry_failure(struct minikvm_vcpu *vcpu, u32 reason,
			       unsigned long qualification)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 5);
	const char *why = "none of the checks minikvm knows explains it";
	struct guest_state g;
	char *text;
	size_t i;
	int n;

	read_guest_state(&g);
	switch ((u16)reason) {
	case EXIT_REASON_INVALID_STATE:
		if (qualification == ENTRY_FAIL_PDPTE) {
			why = "loading the PDPTEs failed";
		} else if (qualification == ENTRY_FAIL_VMCS_LINK_PTR) {
			why = "VMCS link pointer";
		} else {
			for (i = 0; i < ARRAY_SIZE(entry_checks); i++) {
				if (entry_checks[i].bad(&g)) {
					why = entry_checks[i].rule;
					break;
				}
			}
		}
		break;
	case EXIT_REASON_MSR_LOAD_FAIL:
		why = "loading an MSR from the VM-entry MSR-load area failed";
		break;
	case EXIT_REASON_MCE_DURING_VMENTRY:
		why = "machine check during VM entry";
		break;
	}

	text = kmalloc(ENTRY_FAILURE_TEXT, GFP_KERNEL);
	if (text) {
		n = scnprintf(text, ENTRY_FAILURE_TEXT,
			      "pid %d vcpu %u: VM entry failed, exit reason %#x qualification %#lx\n"
			      "first failing check: %s%s%s\n",
			      task_pid_nr(current), vcpu->id, reason, qualification, why,
			      g.bad_seg >= 0 ? ", segment " : "",
			      g.bad_seg >= 0 ? seg_names[g.bad_seg] : "");
		dump_guest_state(text + n, ENTRY_FAILURE_TEXT - n, &g);
		minikvm_debugfs_set_entry_failure(text);
	}

	if (__ratelimit(&rs))
		pr_info("vcpu %u: VM entry failed (exit reason %#x): %s%s%s\n",
			vcpu->id, reason, why, g.bad_seg >= 0 ? ", segment " : "",
			g.bad_seg >= 0 ? seg_names[g.bad_seg] : "");
}
