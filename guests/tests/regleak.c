/*
 * Register isolation between VMs sharing a physical CPU (docs/security.md,
 * "Register isolation"). Run as two VMs on the same CPU with seed=1 and
 * seed=2: each writes its own pattern (the other VM's is its complement, so
 * every writable bit differs) into every EL0/EL1 register it can write,
 * sleeps in WFI again and again so that the other VM runs, and checks it
 * reads back its own values every time. A register that does not exist or
 * that hyparm traps must be UNDEFINED, never shared.
 *
 * It also checks that the VM started clean: general, FP/SIMD and EL1
 * registers zero or at their reset values (x0 = the DTB, as the boot
 * protocol says) and its RAM zero outside its image and the DTB.
 *
 * Parameters: seed=1|2 (required), verbose=1 (a line per sleep),
 * linger_ms=N (busy time before powering off, see below; default 0).
 */
#include "gic.h"

#define VTIMER_PPI 27
#define YIELDS 20

/* Registers read and written by encoding (the assembler may not know the newer names). */
#define REGS(X) \
	X(TPIDR_EL0, tpidr_el0, ~0ULL) \
	X(TPIDRRO_EL0, tpidrro_el0, ~0ULL) \
	X(TPIDR_EL1, tpidr_el1, ~0ULL) \
	X(CONTEXTIDR_EL1, contextidr_el1, 0xFFFFFFFFULL) \
	X(TTBR0_EL1, ttbr0_el1, ~0ULL) \
	X(TTBR1_EL1, ttbr1_el1, ~0ULL) \
	X(TCR_EL1, tcr_el1, 0xFFFFFFFFULL) \
	X(MAIR_EL1, mair_el1, ~0ULL) \
	X(AMAIR_EL1, amair_el1, ~0ULL) \
	X(PAR_EL1, par_el1, ~0ULL) \
	X(AFSR0_EL1, afsr0_el1, ~0ULL) \
	X(AFSR1_EL1, afsr1_el1, ~0ULL) \
	X(CNTKCTL_EL1, cntkctl_el1, 0x3FFULL) \
	X(CSSELR_EL1, csselr_el1, 0x3ULL) \
	X(SP_EL0, sp_el0, ~0ULL) \
	X(MDSCR_EL1, mdscr_el1, 0xFFFFFFFFULL) \
	X(DBGBVR0_EL1, S2_0_C0_C0_4, ~3ULL) \
	X(PMUSERENR_EL0, S3_3_C9_C14_0, 0xFULL) \
	X(PMSELR_EL0, S3_3_C9_C12_5, 0x1FULL) \
	X(PMCCNTR_EL0, S3_3_C9_C13_0, ~0ULL) \
	X(PMEVCNTR0_EL0, S3_3_C14_C8_0, 0xFFFFFFFFULL) \
	X(PMEVTYPER0_EL0, S3_3_C14_C12_0, 0xF000FFFFULL) \
	X(PMCCFILTR_EL0, S3_3_C14_C15_7, 0xF0000000ULL) \
	X(SCTLR_EL1, sctlr_el1, (1ULL << 26) | (1ULL << 15) | (1ULL << 14) | (1ULL << 9)) \
	X(CPACR_EL1, cpacr_el1, 1ULL << 28) \
	X(TPIDR2_EL0, S3_3_C13_C0_5, ~0ULL) \
	X(DISR_EL1, S3_0_C12_C1_1, ~0ULL) \
	X(ACCDATA_EL1, S3_0_C13_C0_5, ~0ULL) \
	X(SMPRI_EL1, S3_0_C1_C2_4, 0xFULL) \
	X(APIAKEYLO_EL1, S3_0_C2_C1_0, ~0ULL) \
	X(APIAKEYHI_EL1, S3_0_C2_C1_1, ~0ULL) \
	X(APIBKEYLO_EL1, S3_0_C2_C1_2, ~0ULL) \
	X(APIBKEYHI_EL1, S3_0_C2_C1_3, ~0ULL) \
	X(APDAKEYLO_EL1, S3_0_C2_C2_0, ~0ULL) \
	X(APDAKEYHI_EL1, S3_0_C2_C2_1, ~0ULL) \
	X(APDBKEYLO_EL1, S3_0_C2_C2_2, ~0ULL) \
	X(APDBKEYHI_EL1, S3_0_C2_C2_3, ~0ULL) \
	X(APGAKEYLO_EL1, S3_0_C2_C3_0, ~0ULL) \
	X(APGAKEYHI_EL1, S3_0_C2_C3_1, ~0ULL) \
	X(ZCR_EL1, S3_0_C1_C2_0, 0xFULL) \
	X(ELR_EL1, elr_el1, ~3ULL) \
	X(SPSR_EL1, spsr_el1, 0xF00003C0ULL) \
	X(ESR_EL1, esr_el1, 0xFFFFFFFFULL) \
	X(FAR_EL1, far_el1, ~0ULL)
/*
 * The pointer-authentication keys and ZCR_EL1 exist exactly where the ID
 * registers advertise pointer authentication and SVE (-cpu max): hyparm
 * switches them once a vCPU uses them (arch/pauth.h, arch/sve.h), and
 * regleak is such a use. Elsewhere they must be UNDEFINED.
 *
 * The last four change whenever the guest takes an exception: they are
 * written after every register that may be UNDEFINED, and nothing between
 * writing and the final read takes one (WFI sleeps with IRQs masked).
 */

/* Registers hyparm traps (or the CPU lacks): every access must be UNDEFINED. */
#define TRAPPED(X) \
	X(SCXTNUM_EL0, S3_3_C13_C0_7, 0) \
	X(SCXTNUM_EL1, S3_0_C13_C0_7, 0) \
	X(SMCR_EL1, S3_0_C1_C2_6, 0) \
	X(SVCR, S3_3_C4_C2_2, 0) \
	X(GCR_EL1, S3_0_C1_C0_6, 0) \
	X(RGSR_EL1, S3_0_C1_C0_5, 0) \
	X(TFSR_EL1, S3_0_C5_C6_0, 0) \
	X(TFSRE0_EL1, S3_0_C5_C6_1, 0) \
	X(LORSA_EL1, S3_0_C10_C4_0, 0) \
	X(LOREA_EL1, S3_0_C10_C4_1, 0) \
	X(LORN_EL1, S3_0_C10_C4_2, 0) \
	X(LORC_EL1, S3_0_C10_C4_3, 0) \
	X(ERRSELR_EL1, S3_0_C5_C3_1, 0) \
	X(ERXCTLR_EL1, S3_0_C5_C4_1, 0) \
	X(PMSCR_EL1, S3_0_C9_C9_0, 0) \
	X(TRFCR_EL1, S3_0_C1_C2_1, 0) \
	X(AMCR_EL0, S3_3_C13_C2_0, 0) \
	X(MPAM1_EL1, S3_0_C10_C5_0, 0)

struct reg {
	const char *name;
	u64 (*rd)(void);
	void (*wr)(u64);
	u64 mask;
};

#define ACCESSORS(name, enc, mask) \
	static u64 rd_##name(void) \
	{ \
		return read_sysreg(enc); \
	} \
	static void wr_##name(u64 v) \
	{ \
		write_sysreg(enc, v); \
		isb(); \
	}
REGS(ACCESSORS)
TRAPPED(ACCESSORS)
#define ENTRY(name, enc, mask) { #name, rd_##name, wr_##name, mask },
static const struct reg regs[] = { REGS(ENTRY) };
static const struct reg trapped[] = { TRAPPED(ENTRY) };
#define NREGS (sizeof(regs) / sizeof(regs[0]))

static volatile unsigned undefs;

static bool on_undef(struct frame *f, const struct exception *e)
{
	undefs++;
	f->elr = e->elr + 4;
	return true;
}

/* A fixed per-register pattern; the VM with seed 2 uses its complement. */
static u64 pattern(unsigned i, u64 seed)
{
	u64 z = 0x9E3779B97F4A7C15ULL * (i + 1);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return seed == 2 ? ~z : z;
}

static u64 written[NREGS], mine[NREGS], other[NREGS];
static bool exists[NREGS], leaked[NREGS];
static u64 leaked_value[NREGS];
static unsigned leaked_at[NREGS];

/* FP/SIMD: q0-q31 and FPSR/FPCR loaded from a buffer and stored back. */
static u64 fp_pattern[32][2] __attribute__((aligned(16))), fp_now[32][2] __attribute__((aligned(16)));

static void fp_load(const u64 (*q)[2])
{
	__asm__ volatile("ldp q0, q1, [%0, #32 * 0]\n ldp q2, q3, [%0, #32 * 1]\n"
			 "ldp q4, q5, [%0, #32 * 2]\n ldp q6, q7, [%0, #32 * 3]\n"
			 "ldp q8, q9, [%0, #32 * 4]\n ldp q10, q11, [%0, #32 * 5]\n"
			 "ldp q12, q13, [%0, #32 * 6]\n ldp q14, q15, [%0, #32 * 7]\n"
			 "ldp q16, q17, [%0, #32 * 8]\n ldp q18, q19, [%0, #32 * 9]\n"
			 "ldp q20, q21, [%0, #32 * 10]\n ldp q22, q23, [%0, #32 * 11]\n"
			 "ldp q24, q25, [%0, #32 * 12]\n ldp q26, q27, [%0, #32 * 13]\n"
			 "ldp q28, q29, [%0, #32 * 14]\n ldp q30, q31, [%0, #32 * 15]\n"
			 :
			 : "r"(q)
			 : "memory");
}

static void fp_store(u64 (*q)[2])
{
	__asm__ volatile("stp q0, q1, [%0, #32 * 0]\n stp q2, q3, [%0, #32 * 1]\n"
			 "stp q4, q5, [%0, #32 * 2]\n stp q6, q7, [%0, #32 * 3]\n"
			 "stp q8, q9, [%0, #32 * 4]\n stp q10, q11, [%0, #32 * 5]\n"
			 "stp q12, q13, [%0, #32 * 6]\n stp q14, q15, [%0, #32 * 7]\n"
			 "stp q16, q17, [%0, #32 * 8]\n stp q18, q19, [%0, #32 * 9]\n"
			 "stp q20, q21, [%0, #32 * 10]\n stp q22, q23, [%0, #32 * 11]\n"
			 "stp q24, q25, [%0, #32 * 12]\n stp q26, q27, [%0, #32 * 13]\n"
			 "stp q28, q29, [%0, #32 * 14]\n stp q30, q31, [%0, #32 * 15]\n"
			 :
			 : "r"(q)
			 : "memory");
}

#define FPCR_MASK (0x07C00000ULL | (1ULL << 19)) /* AHP DN FZ RMode FZ16 */
#define FPSR_MASK 0xF800009FULL /* NZCV QC IDC IXC UFC OFC DZC IOC */

/*
 * Give the CPU away: sleep in WFI (IRQs masked, so no exception changes
 * ELR/SPSR/ESR/FAR_EL1) until the virtual timer fires ~2 ms later, then
 * acknowledge the interrupt without taking it.
 */
static void yield_cpu(void)
{
	u64 end = now_ticks() + ticks_per_sec() / 500;

	write_sysreg(cntv_cval_el0, end);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
	while (!(read_sysreg(cntv_ctl_el0) & 4))
		__asm__ volatile("wfi" ::: "memory");
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	u32 i = gic_ack_wait(5);
	if (i != GIC_INTID_SPURIOUS)
		gic_eoi(i);
}

static void check_entry_state(void)
{
	const struct entry_state *s = &entry_state;
	unsigned bad = 0;

	check(s->x[0] != 0 && s->x[0] == dtb_addr(), "x0 = DTB 0x%llx at entry", (unsigned long long)s->x[0]);
	check(!entry_x1_nonzero, "x1 zero at entry");
	for (unsigned i = 2; i < 31; i++)
		if (s->x[i] && bad++ < 3)
			gprintf("  x%u = 0x%llx at entry\n", i, (unsigned long long)s->x[i]);
	check(!bad, "x2-x30 zero at entry");
	check(s->sp == 0, "SP_EL1 zero at entry (0x%llx)", (unsigned long long)s->sp);
	check(s->vbar_el1 == 0, "VBAR_EL1 zero at entry (0x%llx)", (unsigned long long)s->vbar_el1);
	check(s->cpacr_el1 == 0, "CPACR_EL1 zero at entry (0x%llx)", (unsigned long long)s->cpacr_el1);
	bad = 0;
	for (unsigned i = 0; i < 32; i++)
		if ((s->q[i][0] || s->q[i][1]) && bad++ < 3)
			gprintf("  q%u = 0x%016llx%016llx at entry\n", i, (unsigned long long)s->q[i][1],
				(unsigned long long)s->q[i][0]);
	check(!bad, "q0-q31 zero at entry");
	check(s->fpsr == 0 && s->fpcr == 0, "FPSR/FPCR zero at entry (0x%llx/0x%llx)",
	      (unsigned long long)s->fpsr, (unsigned long long)s->fpcr);

	/*
	 * Nothing but start.S ran before: every other EL1 register is as hyparm
	 * reset it. Read from the end of the list: ESR/FAR/ELR/SPSR_EL1 first,
	 * before an absent register's UNDEF changes them.
	 */
	bad = 0;
	for (unsigned i = NREGS; i-- > 0;) {
		unsigned u = undefs;
		u64 v = regs[i].rd();
		bool is_sctlr = regs[i].rd == rd_SCTLR_EL1, is_cpacr = regs[i].rd == rd_CPACR_EL1;

		if (undefs != u || is_cpacr) /* absent; CPACR checked above (start.S sets it) */
			continue;
		if (is_sctlr) {
			check(!(v & 0x5), "SCTLR_EL1 0x%llx: MMU and D-cache off at entry",
			      (unsigned long long)v);
			continue;
		}
		if (v) {
			bad++;
			gprintf("  %s = 0x%llx at entry\n", regs[i].name, (unsigned long long)v);
		}
	}
	check(!bad, "EL1/EL0 system registers zero at entry");
}

/* The guest's RAM is zero except its image, its stacks and the DTB. */
static void check_ram_scrubbed(void)
{
	extern char __image_end[];
	u64 base, size, bad = 0, first = 0;
	u64 dtb = dtb_addr(), dtb_end = dtb + dtb_size();

	if (!check(dtb_memory(&base, &size), "the DTB describes the RAM"))
		return;
	/* The runtime's secondary stacks (16 KiB each, 8 vCPUs) sit above __image_end. */
	u64 used_end = ((u64)__image_end + 8 * 0x4000 + 0xFFF) & ~0xFFFULL;
	for (u64 a = base; a < base + size; a += 8) {
		if (a == 0x40080000UL)
			a = used_end;
		if (a >= (dtb & ~7ULL) && a < dtb_end) {
			a = (dtb_end + 7) & ~7ULL;
			if (a >= base + size)
				break;
		}
		if (*(volatile u64 *)a && !bad++)
			first = a;
	}
	check(!bad, "RAM outside the image and DTB is zero (%llu non-zero words, first at 0x%llx)",
	      (unsigned long long)bad, (unsigned long long)first);
}

int main(void)
{
	u64 seed = 1, fpcr, fpsr, fpcr_mine, fpsr_mine;
	unsigned fp_bad = 0, fp_bad_at = 0;

	set_exception_handler(on_undef);
	check_entry_state();
	check_ram_scrubbed();
	if (!check(bootarg_u64("seed", &seed) && (seed == 1 || seed == 2), "seed=1 or seed=2 given"))
		return 0;

	/*
	 * The distributor's group 1 on too: without it the timer's interrupt is
	 * never forwarded, and WFI (which wakes on a forwarded interrupt, masked
	 * or not) would sleep for good, as on hardware.
	 */
	gic_dist_init();
	gic_cpu_init();
	gic_enable(VTIMER_PPI, true);
	__asm__ volatile("msr daifset, #2" ::: "memory");

	/* Registers hyparm traps must be UNDEFINED: none can carry a value across VMs. */
	for (unsigned i = 0; i < sizeof(trapped) / sizeof(trapped[0]); i++) {
		unsigned u = undefs;
		trapped[i].wr(pattern(100 + i, seed));
		bool w = undefs != u;
		(void)trapped[i].rd();
		check(w && undefs == u + 2, "%s is UNDEFINED", trapped[i].name);
	}
	u64 isar1 = read_sysreg(id_aa64isar1_el1);
	bool pauth = (isar1 >> 4 & 0xF) || (isar1 >> 8 & 0xF) || (read_sysreg(S3_0_C0_C6_2) >> 12 & 0xF);
	bool generic = (isar1 >> 24 & 0xF) || (isar1 >> 28 & 0xF) || (read_sysreg(S3_0_C0_C6_2) >> 8 & 0xF);
	bool sve = read_sysreg(id_aa64pfr0_el1) >> 32 & 0xF;
	/* SVE on at EL1 (CPACR_EL1.ZEN): without it ZCR_EL1 traps to the guest itself. */
	if (sve) {
		write_sysreg(cpacr_el1, read_sysreg(cpacr_el1) | (3ULL << 16));
		isb();
	}
	unsigned u = undefs;
	__asm__ volatile(".inst 0x9ac23020" ::: "x0", "memory"); /* PACGA x0, x1, x2 */
	check(undefs == u + !generic, "PACGA is %s (generic authentication %s)",
	      generic ? "executed" : "UNDEFINED", generic ? "advertised" : "hidden");

	/* Write every register that exists; keep what it holds (the CPU may mask bits). */
	for (unsigned i = 0; i < NREGS; i++) {
		u64 keep = regs[i].mask == ~0ULL ? 0 : regs[i].rd() & ~regs[i].mask;
		u = undefs;
		written[i] = (pattern(i, seed) & regs[i].mask) | keep;
		other[i] = (pattern(i, 3 - seed) & regs[i].mask) | keep;
		regs[i].wr(written[i]);
		exists[i] = undefs == u;
	}
	/* The switched-once-used registers exist exactly where advertised. */
	for (unsigned i = 0; i < NREGS; i++) {
		bool is_key = regs[i].rd == rd_APIAKEYLO_EL1 || regs[i].rd == rd_APIAKEYHI_EL1 ||
			regs[i].rd == rd_APIBKEYLO_EL1 || regs[i].rd == rd_APIBKEYHI_EL1 ||
			regs[i].rd == rd_APDAKEYLO_EL1 || regs[i].rd == rd_APDAKEYHI_EL1 ||
			regs[i].rd == rd_APDBKEYLO_EL1 || regs[i].rd == rd_APDBKEYHI_EL1 ||
			regs[i].rd == rd_APGAKEYLO_EL1 || regs[i].rd == rd_APGAKEYHI_EL1;
		if (is_key || regs[i].rd == rd_ZCR_EL1)
			check(exists[i] == (is_key ? pauth || generic : sve),
			      "%s %s, as the ID registers say", regs[i].name,
			      exists[i] ? "exists" : "is UNDEFINED");
	}
	/* Read back only after the last possible UNDEF: it would change ESR/FAR/ELR/SPSR_EL1. */
	for (unsigned i = 0; i < NREGS; i++)
		if (exists[i])
			mine[i] = regs[i].rd();
	for (unsigned i = 0; i < 32; i++) {
		fp_pattern[i][0] = pattern(200 + 2 * i, seed);
		fp_pattern[i][1] = pattern(201 + 2 * i, seed);
	}
	fp_load(fp_pattern);
	write_sysreg(fpcr, pattern(300, seed) & FPCR_MASK);
	write_sysreg(fpsr, pattern(301, seed) & FPSR_MASK);
	fpcr_mine = read_sysreg(fpcr);
	fpsr_mine = read_sysreg(fpsr);

	u64 verbose = 0;
	bootarg_u64("verbose", &verbose);
	for (unsigned y = 1; y <= YIELDS; y++) {
		if (verbose)
			gprintf("yield %u\n", y);
		yield_cpu();
		for (unsigned i = 0; i < NREGS; i++) {
			if (!exists[i] || leaked[i])
				continue;
			u64 v = regs[i].rd();
			if (v != mine[i]) {
				leaked[i] = true;
				leaked_value[i] = v;
				leaked_at[i] = y;
			}
		}
		fp_store(fp_now);
		fpcr = read_sysreg(fpcr);
		fpsr = read_sysreg(fpsr);
		if (!fp_bad) {
			for (unsigned i = 0; i < 32; i++)
				if (fp_now[i][0] != fp_pattern[i][0] || fp_now[i][1] != fp_pattern[i][1])
					fp_bad = i + 1;
			if (fpcr != fpcr_mine || fpsr != fpsr_mine)
				fp_bad = 33;
			if (fp_bad)
				fp_bad_at = y;
		}
	}

	/*
	 * Optionally stay on the CPU a while before powering off (linger_ms).
	 * It once hid a hang of the pair: with the distributor's group 1 off,
	 * the timer's interrupt was never forwarded, and the old scheduler woke
	 * a vCPU for its timer anyway, by chance; the GIC is set up properly now
	 * (gic_dist_init above) and the scheduler wakes only for what can be
	 * delivered. Default 0.
	 */
	u64 linger_ms = 0;
	bootarg_u64("linger_ms", &linger_ms);
	delay_ms(linger_ms);

	/* Report (exceptions from here on are harmless). */
	for (unsigned i = 0; i < NREGS; i++) {
		if (!exists[i]) {
			gprintf("%s: not implemented (UNDEFINED)\n", regs[i].name);
			continue;
		}
		if (!leaked[i]) {
			check(true, "%s keeps its value 0x%llx", regs[i].name, (unsigned long long)mine[i]);
			continue;
		}
		bool others = (leaked_value[i] & regs[i].mask) == (other[i] & regs[i].mask) && regs[i].mask;
		check(false, "%s reads 0x%llx after yield %u, wrote 0x%llx%s", regs[i].name,
		      (unsigned long long)leaked_value[i], leaked_at[i], (unsigned long long)mine[i],
		      others ? ": the other VM's value" : "");
	}
	check(!fp_bad, "q0-q31, FPCR, FPSR keep their values (first difference: %s %u after yield %u)",
	      fp_bad == 33 ? "FPCR/FPSR" : "q", fp_bad ? fp_bad - 1 : 0, fp_bad_at);
	return 0;
}
