/*
 * MTE (FEAT_MTE2) as a guest sees it (tests/integration/test_mte.py).
 *
 *  expect=on (default): ID_AA64PFR1_EL1.MTE >= 2. The guest turns its MMU
 *  on with RAM Tagged (MAIR attribute 0xF0), TBI0 and SCTLR_EL1.ATA, gives
 *  a granule a random tag (IRG, STG), reads it back (LDG), loads through
 *  the right tag, then through a wrong one: with TCF synchronous its own
 *  vector takes a data abort (EC 0x25) with DFSC 0x11, the tag-check fault;
 *  with TCF asynchronous the load completes and TFSR_EL1.TF0 records it.
 *  Fresh RAM (never written by this VM) has tag 0 everywhere.
 *  expect=off: the ID register shows no MTE and the MTE registers are
 *  UNDEFINED; insn=undef (a CPU without MTE): IRG is UNDEFINED too, else
 *  (MTE hidden from this VM on a machine that has it) tags cannot be set
 *  or read (STG does nothing, LDG gives 0) and nothing is tag checked.
 *
 *  role=reboot: every boot checks that a range of its RAM has tag 0, then
 *  tags it, prints "mte: ready" and waits for a key: 'r' resets the VM
 *  (the tags must be gone after the reset), 'q' ends.
 *  role=holder / role=peeker, two VMs on one physical CPU: the holder puts
 *  patterns in GCR_EL1, RGSR_EL1, TFSR_EL1, TFSRE0_EL1 and in its tags and
 *  checks they stay across vCPU switches; the peeker checks that its own
 *  registers keep their reset values (0) all the while and that its RAM's
 *  tags are 0.
 */
#include "guest.h"

#define PSCI_SYSTEM_RESET 0x84000009
#define UART_FR_RXFE (1u << 4)

#define GRANULE 16 /* one allocation tag per 16 bytes */
#define TAG_SHIFT 56
#define TAG_OF(p) (((p) >> TAG_SHIFT) & 0xF)
#define WITH_TAG(p, t) (((p) & ~(0xFULL << TAG_SHIFT)) | ((u64)(t) << TAG_SHIFT))

/* The MTE registers by encoding (no +memtag needed for MRS/MSR). */
#define GCR_EL1 s3_0_c1_c0_6
#define RGSR_EL1 s3_0_c1_c0_5
#define TFSR_EL1 s3_0_c5_c6_0
#define TFSRE0_EL1 s3_0_c5_c6_1

/* One level-1 table, 1 GiB blocks: devices below RAM, RAM Tagged Normal write-back. */
static u64 l1[512] __attribute__((aligned(4096)));
#define ATTR_DEVICE 0 /* MAIR attr0: Device-nGnRnE */
#define ATTR_TAGGED 1 /* MAIR attr1: Tagged Normal, write-back (0xF0) */
#define MAIR_VALUE 0xF000ULL
#define BLOCK(pa, attr) \
	((pa) | (1ULL << 10) /* AF */ | (3ULL << 8) /* inner shareable */ | ((u64)(attr) << 2) | 1)
/* T0SZ 32 (4 GiB), walks WB inner/outer and inner shareable, TG0 4 KiB, EPD1, IPS 40 bits, TBI0. */
#define TCR_VALUE \
	(32ULL | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) | (1ULL << 23) | (2ULL << 32) | (1ULL << 37))
#define SCTLR_M (1ULL << 0)
#define SCTLR_A (1ULL << 1)
#define SCTLR_C (1ULL << 2)
#define SCTLR_I (1ULL << 12)
#define SCTLR_TCF_SHIFT 40 /* TCF, bits 41:40: 0 none, 1 synchronous, 2 asynchronous */
#define SCTLR_TCF_MASK (3ULL << SCTLR_TCF_SHIFT)
#define SCTLR_ATA (1ULL << 43)

#define EC_DABT_CUR 0x25
#define DFSC_TAG_CHECK 0x11

/*
 * The page the guest tags, all its granules alike, nothing else in it.
 * Alike because QEMU 7.2 keeps the tags of a 4 KiB page in one place: its
 * MTE code loses the offset within the page (allocation_tag_mem() uses the
 * page's physical address; fixed upstream in QEMU 8.0), so every even and
 * every odd granule of a page share a tag there. On hardware it makes no
 * difference.
 */
static u8 tpage[4096] __attribute__((aligned(4096)));

/* RAM this VM never writes before it looks at its tags: a 2 MiB block of its own beyond the image. */
#define FRESH_OFF (8ULL << 20)
#define FRESH_SIZE 0x10000 /* 64 KiB: 4096 granules */

static volatile unsigned faults;
static volatile u64 fault_esr, fault_far;
static volatile unsigned fault_vector;

static bool on_exception(struct frame *f, const struct exception *e)
{
	faults++;
	fault_esr = e->esr;
	fault_far = e->far;
	fault_vector = e->vector;
	f->elr = e->elr + 4;
	return true;
}

static unsigned ec(u64 esr)
{
	return (esr >> 26) & 0x3F;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static u64 irg(u64 p)
{
	u64 r;
	__asm__ volatile(".arch armv8.5-a+memtag\n irg %0, %1" : "=r"(r) : "r"(p) : "memory");
	return r;
}

static void stg(u64 p)
{
	__asm__ volatile(".arch armv8.5-a+memtag\n stg %0, [%0]" : : "r"(p) : "memory");
}

/* The allocation tag of p's granule. */
static unsigned ldg(u64 p)
{
	u64 r = p & ~(0xFULL << TAG_SHIFT);
	__asm__ volatile(".arch armv8.5-a+memtag\n ldg %0, [%1]" : "+r"(r) : "r"(p) : "memory");
	return TAG_OF(r);
}

static u64 load64(u64 p)
{
	u64 v = 0x5A5A5A5A5A5A5A5AULL;
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(p) : "memory");
	return v;
}

static void set_tcf(u64 tcf)
{
	write_sysreg(sctlr_el1, (read_sysreg(sctlr_el1) & ~SCTLR_TCF_MASK) | (tcf << SCTLR_TCF_SHIFT));
	isb();
}

/* MMU on over Tagged RAM; ata: EL1 may access tags (SCTLR_EL1.ATA). Tag checks start off (TCF 0). */
static void mmu_on(bool ata)
{
	l1[0] = BLOCK(0, ATTR_DEVICE);
	l1[1] = BLOCK(RAM_BASE, ATTR_TAGGED);
	__asm__ volatile("dsb sy" ::: "memory");
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE);
	write_sysreg(ttbr0_el1, (u64)l1);
	isb();
	__asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
	u64 sctlr = read_sysreg(sctlr_el1) & ~(SCTLR_A | SCTLR_TCF_MASK);
	write_sysreg(sctlr_el1, sctlr | SCTLR_M | SCTLR_C | SCTLR_I | (ata ? SCTLR_ATA : 0));
	isb();
}

/* Every granule of [start, start+size) has tag 0; the first that has not, in *bad. */
static bool tags_zero(u64 start, u64 size, u64 *bad)
{
	for (u64 p = start; p < start + size; p += GRANULE)
		if (ldg(p)) {
			*bad = p;
			return false;
		}
	return true;
}

static void tag_range(u64 start, u64 size, unsigned tag)
{
	for (u64 p = start; p < start + size; p += GRANULE)
		stg(WITH_TAG(p, tag));
}

static void id_register(bool want)
{
	u64 pfr1 = read_sysreg(id_aa64pfr1_el1);
	unsigned mte = (pfr1 >> 8) & 0xF;

	if (want)
		check(mte >= 2, "ID_AA64PFR1_EL1.MTE = %u: MTE2 or later (0x%llx)", mte,
		      (unsigned long long)pfr1);
	else
		check(mte == 0, "ID_AA64PFR1_EL1.MTE = 0: hidden (0x%llx)", (unsigned long long)pfr1);
}

/* Each MTE register: reachable (want) or UNDEFINED. */
static void registers(bool want)
{
	unsigned before = faults;
	write_sysreg(GCR_EL1, 0x10001); /* RRND=1 would be IMPLEMENTATION DEFINED: written only to probe */
	u64 v = read_sysreg(GCR_EL1);
	(void)read_sysreg(RGSR_EL1);
	(void)read_sysreg(TFSR_EL1);
	(void)read_sysreg(TFSRE0_EL1);
	if (want) {
		check(faults == before && v == 0x10001,
		      "GCR_EL1, RGSR_EL1, TFSR_EL1, TFSRE0_EL1 are the guest's");
		write_sysreg(GCR_EL1, 0x1); /* IRG never picks tag 0, from RGSR_EL1's seed */
		write_sysreg(RGSR_EL1, 0x1234500);
	} else {
		check(faults == before + 5 && ec(fault_esr) == 0,
		      "the MTE registers are UNDEFINED (%u of 5, ESR 0x%llx)", faults - before,
		      (unsigned long long)fault_esr);
	}
}

static void tag_checks(void)
{
	u64 p = (u64)tpage, t, v;
	unsigned before;

	mmu_on(true);
	t = irg(p);
	check(TAG_OF(t) != 0 && (t & ~(0xFULL << TAG_SHIFT)) == p,
	      "IRG gives a random non-excluded tag (%llu)", (unsigned long long)TAG_OF(t));
	check(ldg(p) == 0, "the granule starts with tag 0");
	tag_range(p, sizeof(tpage), TAG_OF(t));
	check(ldg(p) == TAG_OF(t) && ldg(p + sizeof(tpage) - GRANULE) == TAG_OF(t),
	      "STG set the allocation tags, LDG reads them (%u)", ldg(p));
	*(volatile u64 *)t = 0x1122334455667788ULL;

	set_tcf(1);
	before = faults;
	v = load64(t);
	check(faults == before && v == 0x1122334455667788ULL, "a load with the right tag is not faulted");
	u64 wrong = WITH_TAG(t, TAG_OF(t) ^ 0x8);
	v = load64(wrong);
	check(faults == before + 1 && v == 0x5A5A5A5A5A5A5A5AULL, "a load with a wrong tag is faulted (%u)",
	      faults - before);
	check(ec(fault_esr) == EC_DABT_CUR && (fault_esr & 0x3F) == DFSC_TAG_CHECK,
	      "in the guest's own vector: EC 0x25, DFSC 0x11 (ESR_EL1 0x%llx)",
	      (unsigned long long)fault_esr);
	check(fault_vector == 4 && (fault_far & 0x00FFFFFFFFFFFFFFULL) == p,
	      "current EL, SPx vector; FAR_EL1 the address (0x%llx)", (unsigned long long)fault_far);
	before = faults;
	v = load64(p); /* pointer tag 0, allocation tag not 0 */
	check(faults == before + 1, "an untagged pointer to a tagged granule is faulted too");

	/* Asynchronous mode: the load completes, TFSR_EL1.TF0 records the fault. */
	write_sysreg(TFSR_EL1, 0);
	set_tcf(2);
	before = faults;
	v = load64(wrong);
	__asm__ volatile("dsb nsh\n isb" ::: "memory");
	u64 tfsr = read_sysreg(TFSR_EL1);
	set_tcf(0);
	check(faults == before && v == 0x1122334455667788ULL && (tfsr & 1),
	      "asynchronous: the load completes and TFSR_EL1.TF0 is set (TFSR_EL1 0x%llx)",
	      (unsigned long long)tfsr);
	write_sysreg(TFSR_EL1, 0);
	tag_range(p, sizeof(tpage), 0);
	check(ldg(p) == 0, "the page's tags back to 0");

	u64 bad = 0;
	check(tags_zero(RAM_BASE + FRESH_OFF, FRESH_SIZE, &bad), "fresh RAM has tag 0 (first bad 0x%llx)",
	      (unsigned long long)bad);
}

/* MTE hidden on a machine that has it: no tags to set or read, nothing checked. */
static void tags_inaccessible(void)
{
	u64 p = (u64)tpage, t;
	unsigned before = faults;

	mmu_on(true);
	t = irg(p);
	check(faults == before && TAG_OF(t) == 0, "IRG gives tag 0 (%llu)", (unsigned long long)TAG_OF(t));
	tag_range(p, sizeof(tpage), 5);
	check(faults == before && ldg(p) == 0, "STG sets no tag, LDG reads 0");
	set_tcf(1);
	(void)load64(WITH_TAG(p, 9));
	set_tcf(0);
	check(faults == before, "a load with a wrong tag is not checked");
}

static void insns_undefined(void)
{
	unsigned before = faults;
	(void)irg((u64)tpage);
	check(faults == before + 1 && ec(fault_esr) == 0, "IRG is UNDEFINED (ESR 0x%llx)",
	      (unsigned long long)fault_esr);
}

static int key(void)
{
	volatile u32 *uart = (volatile u32 *)UART_BASE;

	while (uart[0x18 / 4] & UART_FR_RXFE)
		__asm__ volatile("yield");
	return uart[0] & 0xFF;
}

static void reboot_role(void)
{
	u64 bad = 0, start = RAM_BASE + FRESH_OFF;

	mmu_on(true);
	check(tags_zero(start, FRESH_SIZE, &bad) && tags_zero((u64)tpage, sizeof(tpage), &bad),
	      "boot: RAM has tag 0 (first bad 0x%llx)", (unsigned long long)bad);
	tag_range(start, FRESH_SIZE, 0xB);
	tag_range((u64)tpage, sizeof(tpage), 0xB);
	check(ldg(start) == 0xB && ldg(start + FRESH_SIZE - GRANULE) == 0xB, "tagged 0xB");
	gprintf("mte: ready\n");
	for (;;) {
		int c = key();
		if (c == 'r')
			smc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		if (c == 'q')
			return;
	}
}

#define H_GCR 0x5A5AULL
#define H_RGSR 0xA5A503ULL
#define H_TFSR 0x1ULL
#define H_TFSRE0 0x2ULL

static void holder(void)
{
	u64 start = RAM_BASE + FRESH_OFF;
	bool kept = true;
	u64 g = 0, r = 0, t = 0, t0 = 0;

	mmu_on(true);
	write_sysreg(GCR_EL1, H_GCR);
	write_sysreg(RGSR_EL1, H_RGSR);
	write_sysreg(TFSR_EL1, H_TFSR);
	write_sysreg(TFSRE0_EL1, H_TFSRE0);
	tag_range(start, FRESH_SIZE, 0xC);
	for (unsigned i = 0; i < 50 && kept; i++) {
		delay_ms(10);
		g = read_sysreg(GCR_EL1), r = read_sysreg(RGSR_EL1);
		t = read_sysreg(TFSR_EL1), t0 = read_sysreg(TFSRE0_EL1);
		kept = g == H_GCR && r == H_RGSR && t == H_TFSR && t0 == H_TFSRE0 && ldg(start) == 0xC &&
			ldg(start + FRESH_SIZE - GRANULE) == 0xC;
	}
	check(kept, "the holder's MTE registers and tags stay across switches (0x%llx 0x%llx 0x%llx 0x%llx)",
	      (unsigned long long)g, (unsigned long long)r, (unsigned long long)t, (unsigned long long)t0);
}

static void peeker(void)
{
	u64 start = RAM_BASE + FRESH_OFF, bad = 0;
	bool clean = true;
	u64 g = 0, r = 0, t = 0, t0 = 0;

	mmu_on(true);
	for (unsigned i = 0; i < 50 && clean; i++) {
		delay_ms(10);
		g = read_sysreg(GCR_EL1), r = read_sysreg(RGSR_EL1);
		t = read_sysreg(TFSR_EL1), t0 = read_sysreg(TFSRE0_EL1);
		clean = !g && !r && !t && !t0;
	}
	check(clean, "the peeker's MTE registers keep their reset values (0x%llx 0x%llx 0x%llx 0x%llx)",
	      (unsigned long long)g, (unsigned long long)r, (unsigned long long)t, (unsigned long long)t0);
	check(tags_zero(start, FRESH_SIZE, &bad), "the peeker's RAM has tag 0 (first bad 0x%llx)",
	      (unsigned long long)bad);
}

int main(void)
{
	char role[16] = "single", expect[8] = "on", insn[8] = "";

	bootarg_str("role", role, sizeof(role));
	bootarg_str("expect", expect, sizeof(expect));
	bootarg_str("insn", insn, sizeof(insn));
	set_exception_handler(on_exception);
	bool want = streq(expect, "on");
	id_register(want);
	if (streq(role, "reboot"))
		reboot_role();
	else if (streq(role, "holder"))
		holder();
	else if (streq(role, "peeker"))
		peeker();
	else {
		registers(want);
		if (want)
			tag_checks();
		else if (streq(insn, "undef"))
			insns_undefined();
		else
			tags_inaccessible();
	}
	return 0;
}
