/*
 * Self-hosted debug in a guest: every breakpoint and watchpoint that
 * ID_AA64DFR0_EL1 advertises fires at EL1 and is taken by the guest's own
 * vectors with the right exception class, the ones past them are
 * UNDEFINED; single step lands on each instruction in turn, across
 * instructions hyparm emulates (a trapped system register, an HVC, an
 * MMIO load); the OS lock and the double lock hold debug events off
 * (BRK still works); a watchpoint that asks to match at EL2 too does not
 * disturb hyparm. Then each vCPU keeps its own registers: run with 2 vCPUs
 * on one physical CPU (and another VM there, role=other) so that they are
 * switched in and out many times.
 * Parameters: pattern=N (distinct per VM), role=other (only the register
 * isolation part, one vCPU).
 */
#include "guest.h"

#define EC_BKPT_LOW 0x30
#define EC_BKPT_CUR 0x31
#define EC_STEP_CUR 0x33
#define EC_WATCH_CUR 0x35
#define EC_BRK 0x3C

#define MDSCR_SS (1u << 0)
#define MDSCR_TDCC (1u << 12)
#define MDSCR_KDE (1u << 13)
#define MDSCR_MDE (1u << 15)

/* DBGBCR: E, PMC = EL1 and EL0, BAS = all four bytes of the A64 instruction. */
#define BCR_EL1_EL0 (1u | 3u << 1 | 0xFu << 5)
/* DBGWCR: E, PAC = EL1 and EL0, BAS = 8 bytes; LSC 0b10 stores, 0b11 loads and stores. */
#define WCR_STORE (1u | 3u << 1 | 2u << 3 | 0xFFu << 5)
#define WCR_ANY (1u | 3u << 1 | 3u << 3 | 0xFFu << 5)
#define WCR_HMC (1u << 13)
#define WCR_SSC_ALL (3u << 14)
#define WCR_MASK(n) ((u64)(n) << 24)

#define UART_FR (UART_BASE + 0x18)

/* The breakpoint registers are named in the instruction: one case per number. */
#define DBG_CASE_W(n, kind) \
	case n: \
		__asm__ volatile("msr dbg" kind #n "_el1, %0" : : "r"(v)); \
		break;
#define DBG_CASE_R(n, kind) \
	case n: \
		__asm__ volatile("mrs %0, dbg" kind #n "_el1" : "=r"(v)); \
		break;
/* clang-format does not settle on a layout for this one. */
/* clang-format off */
#define DBG_16(M, kind) \
	M(0, kind) M(1, kind) M(2, kind) M(3, kind) M(4, kind) M(5, kind) M(6, kind) M(7, kind) \
	M(8, kind) M(9, kind) M(10, kind) M(11, kind) M(12, kind) M(13, kind) M(14, kind) M(15, kind)
/* clang-format on */
#define DBG_ACCESSORS(kind) \
	static void set_##kind(unsigned n, u64 v) \
	{ \
		switch (n) { \
			DBG_16(DBG_CASE_W, #kind) \
		} \
		isb(); \
	} \
	static u64 get_##kind(unsigned n) \
	{ \
		u64 v = 0; \
		switch (n) { \
			DBG_16(DBG_CASE_R, #kind) \
		} \
		return v; \
	}
DBG_ACCESSORS(bvr)
DBG_ACCESSORS(bcr)
DBG_ACCESSORS(wvr)
DBG_ACCESSORS(wcr)

static unsigned g_nbrps, g_nwrps; /* what ID_AA64DFR0_EL1 advertises */
static volatile unsigned nr_exc, undefs;
static volatile u64 last_ec, last_iss, last_elr, last_far;
static volatile u64 steps[16];
static volatile unsigned nsteps, step_stop;

static bool on_exception(struct frame *f, const struct exception *e)
{
	unsigned ec = (e->esr >> 26) & 0x3F;

	last_ec = ec;
	last_iss = e->esr & 0x1FFFFFF;
	last_elr = e->elr;
	last_far = e->far;
	nr_exc++;
	switch (ec) {
	case 0: /* UNDEFINED: a register that does not exist */
		undefs++;
		f->elr = e->elr + 4;
		return true;
	case EC_BKPT_CUR:
		/* Every breakpoint off, so the instruction runs when we return to it. */
		for (unsigned i = 0; i < g_nbrps; i++)
			if (get_bcr(i) & 1)
				set_bcr(i, 0);
		return true;
	case EC_WATCH_CUR:
		for (unsigned i = 0; i < g_nwrps; i++)
			if (get_wcr(i) & 1)
				set_wcr(i, 0);
		return true;
	case EC_STEP_CUR:
		if (nsteps < 16)
			steps[nsteps] = e->elr;
		nsteps++;
		if (nsteps < step_stop)
			write_sysreg(spsr_el1,
				     read_sysreg(spsr_el1) | (1u << 21)); /* step the next one too */
		else
			write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~(u64)MDSCR_SS);
		return true;
	case EC_BRK:
		f->elr = e->elr + 4;
		return true;
	}
	return false;
}

/* Registers past the advertised ones: some encodings need their number in a register access that UNDEFs. */
static unsigned undef_count(void (*set)(unsigned, u64), unsigned n)
{
	unsigned before = undefs;
	set(n, 0);
	return undefs - before;
}

__attribute__((noinline)) static int bp_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static volatile u64 watched __attribute__((aligned(8)));

static void debug_on(u64 mdscr)
{
	write_sysreg(mdscr_el1, mdscr);
	isb();
	__asm__ volatile("msr daifclr, #8" ::: "memory"); /* PSTATE.D clear: debug exceptions at EL1 */
}

static void debug_off(void)
{
	__asm__ volatile("msr daifset, #8" ::: "memory");
	write_sysreg(mdscr_el1, 0);
	isb();
}

static void breakpoints(unsigned nbrps)
{
	unsigned ok = 0;

	debug_on(MDSCR_MDE | MDSCR_KDE);
	for (unsigned i = 0; i < nbrps; i++) {
		unsigned before = nr_exc;
		set_bvr(i, (u64)bp_target);
		set_bcr(i, BCR_EL1_EL0);
		int r = bp_target(i);
		if (nr_exc == before + 1 && last_ec == EC_BKPT_CUR && last_elr == (u64)bp_target &&
		    r == (int)i * 3 + 1)
			ok++;
		else
			gprintf("breakpoint %u: %u exceptions, EC 0x%llx at 0x%llx\n", i, nr_exc - before,
				(unsigned long long)last_ec, (unsigned long long)last_elr);
	}
	check(ok == nbrps, "%u of %u breakpoints hit at EL1 (EC 0x31, ELR = the function)", ok, nbrps);
	/* Not enabled, not hit. */
	unsigned before = nr_exc;
	set_bvr(0, (u64)bp_target);
	set_bcr(0, BCR_EL1_EL0 & ~1u);
	bp_target(1);
	check(nr_exc == before, "a disabled breakpoint does not fire");
	debug_off();
}

static void watchpoints(unsigned nwrps)
{
	unsigned ok = 0, loads = 0;

	debug_on(MDSCR_MDE | MDSCR_KDE);
	for (unsigned i = 0; i < nwrps; i++) {
		unsigned before = nr_exc;
		set_wvr(i, (u64)&watched);
		set_wcr(i, WCR_STORE);
		(void)watched; /* a load: not watched */
		loads += nr_exc - before;
		watched = i + 100;
		if (nr_exc == before + 1 && last_ec == EC_WATCH_CUR && last_far == (u64)&watched &&
		    (last_iss & (1u << 6)) && watched == i + 100)
			ok++;
		else
			gprintf("watchpoint %u: %u exceptions, EC 0x%llx FAR 0x%llx ISS 0x%llx\n", i,
				nr_exc - before, (unsigned long long)last_ec, (unsigned long long)last_far,
				(unsigned long long)last_iss);
	}
	check(ok == nwrps, "%u of %u watchpoints hit on a store (EC 0x35, FAR = the variable, WnR)", ok,
	      nwrps);
	check(loads == 0, "a store-only watchpoint ignores loads");
	debug_off();
}

/*
 * Single step, EL1 to EL1: run_stepped() ERETs to step_code with SPSR.SS
 * set; each instruction then ends in a step exception whose ELR is the
 * next one. step_code ends with a return to run_stepped's caller.
 */
void run_stepped(u64 uart_fr);
__asm__(".text\n"
	".globl run_stepped\n"
	"run_stepped:\n"
	"	mov	x12, x0\n" /* x12 = PL011 FR, read by the MMIO step */
	"	adr	x1, step_code\n"
	"	msr	elr_el1, x1\n"
	"	mov	x1, #0x1c5\n" /* EL1h, A I F masked, D clear */
	"	orr	x1, x1, #(1 << 21)\n" /* SS: step the first instruction */
	"	msr	spsr_el1, x1\n"
	"	eret\n"
	".globl step_code\n"
	"step_code:\n"
	"	nop\n"
	"	mov	x9, #1\n"
	"	mrs	x10, id_aa64pfr0_el1\n" /* trapped (HCR_EL2.TID3), emulated by hyparm */
	"	movz	x0, #0x8400, lsl #16\n" /* PSCI_VERSION */
	"	hvc	#0\n"
	"	ldr	w11, [x12]\n" /* MMIO, emulated by hyparm */
	"	nop\n"
	"	ret\n");
extern char step_code[];

static void single_step(void)
{
	static const char *const what[] = { "nop", "mov", "trapped MRS", "movz", "HVC", "MMIO load", "nop" };
	unsigned ok = 0;

	nsteps = 0;
	step_stop = 7;
	write_sysreg(mdscr_el1, MDSCR_SS | MDSCR_KDE);
	isb();
	run_stepped(UART_FR);
	write_sysreg(mdscr_el1, 0);
	isb();
	for (unsigned i = 0; i < 7 && i < nsteps; i++) {
		if (steps[i] == (u64)step_code + 4 * (i + 1))
			ok++;
		else
			gprintf("step %u (after the %s): ELR 0x%llx, want 0x%llx\n", i, what[i],
				(unsigned long long)steps[i],
				(unsigned long long)((u64)step_code + 4 * (i + 1)));
	}
	check(nsteps == 7 && ok == 7,
	      "7 single steps, one per instruction, across HVC, trapped MRS, MMIO (%u, %u right)", nsteps,
	      ok);
	check(last_ec == EC_STEP_CUR && (last_iss & (1u << 24)), "step exceptions: EC 0x33, ISV");
}

static void os_lock(void)
{
	u64 oslsr = read_sysreg(oslsr_el1);
	unsigned before;

	check(oslsr == 0x8, "OSLSR_EL1 = 0x%llx at reset (OS lock implemented, unlocked)",
	      (unsigned long long)oslsr);
	debug_on(MDSCR_MDE | MDSCR_KDE);
	write_sysreg(oslar_el1, 1);
	isb();
	oslsr = read_sysreg(oslsr_el1);
	check(oslsr == 0xA, "OSLAR_EL1 = 1 locks: OSLSR_EL1 = 0x%llx", (unsigned long long)oslsr);
	check(read_sysreg(mdscr_el1) == (MDSCR_MDE | MDSCR_KDE), "MDSCR_EL1 reads as written under the lock");
	before = nr_exc;
	set_bvr(0, (u64)bp_target);
	set_bcr(0, BCR_EL1_EL0);
	set_wvr(0, (u64)&watched);
	set_wcr(0, WCR_STORE);
	bp_target(2);
	watched = 7;
	check(nr_exc == before, "no breakpoint or watchpoint fires under the OS lock (%u exceptions)",
	      nr_exc - before);
	__asm__ volatile("brk #0x42");
	check(nr_exc == before + 1 && last_ec == EC_BRK && (last_iss & 0xFFFF) == 0x42,
	      "BRK still works under the OS lock (EC 0x3c, imm 0x42)");
	write_sysreg(oslar_el1, 0);
	isb();
	check(read_sysreg(oslsr_el1) == 0x8, "OSLAR_EL1 = 0 unlocks");
	before = nr_exc;
	bp_target(3);
	check(nr_exc == before + 1 && last_ec == EC_BKPT_CUR,
	      "the breakpoint programmed under the lock fires after it");
	before = nr_exc;
	watched = 8;
	check(nr_exc == before + 1 && last_ec == EC_WATCH_CUR, "so does the watchpoint");

	/* The double lock, while no powerdown is held off (DBGPRCR_EL1.CORENPDRQ clear). */
	set_bcr(0, BCR_EL1_EL0);
	write_sysreg(osdlr_el1, 1);
	isb();
	before = nr_exc;
	bp_target(4);
	check(read_sysreg(osdlr_el1) == 1 && nr_exc == before, "no breakpoint fires under the double lock");
	write_sysreg(osdlr_el1, 0);
	isb();
	bp_target(5);
	check(nr_exc == before + 1 && last_ec == EC_BKPT_CUR, "it fires once the double lock is off");
	debug_off();
}

/*
 * A watchpoint over the 2 MiB at 0x4020_0000, where QEMU loads hyparm
 * (its code, data and stacks, at the same virtual addresses at EL2),
 * asking for every EL and security state (HMC=1, SSC=0b11). At EL1 it
 * works (those IPAs are our own RAM, past our image and stacks); hyparm's
 * own accesses at EL2, while it serves our HVCs, trapped registers and
 * MMIO, must not be debugged: it keeps running, we get no stray exception.
 */
#define HYP_WINDOW 0x40200000UL
static void el2_is_not_debugged(void)
{
	u64 wcr = WCR_ANY | WCR_HMC | WCR_SSC_ALL | WCR_MASK(21);
	volatile u64 *mine = (volatile u64 *)(HYP_WINDOW + 0x1000);
	unsigned before = nr_exc;

	debug_on(MDSCR_MDE | MDSCR_KDE);
	set_wvr(0, HYP_WINDOW);
	set_wcr(0, wcr);
	*mine = 1;
	check(nr_exc == before + 1 && last_ec == EC_WATCH_CUR && last_far == (u64)mine,
	      "a 2 MiB watchpoint fires at EL1 on our RAM there (FAR 0x%llx)", (unsigned long long)last_far);
	/* Debug exceptions masked at EL1 (PSTATE.D): the watchpoint stays armed while hyparm works. */
	__asm__ volatile("msr daifset, #8" ::: "memory");
	set_wcr(0, wcr);
	before = nr_exc;
	u64 v = hvc_call(0x84000000, 0, 0, 0);
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1);
	(void)*(volatile u32 *)UART_FR;
	gprintf("hyparm served an HVC (0x%llx), a trapped MRS (0x%llx) and MMIO under the watchpoint\n",
		(unsigned long long)v, (unsigned long long)pfr0);
	set_wcr(0, 0);
	check(v == 0x10001 && nr_exc == before, "hyparm at EL2 is not debugged by the guest's watchpoint");
	debug_off();
}

/* Each vCPU writes its own pattern and must read it back, however often it is switched out. */
struct iso_result {
	volatile unsigned rounds, bad, preempted;
	volatile bool done;
};
static struct iso_result iso[2];
static u64 pattern_base;

static u64 pattern(unsigned cpu, unsigned i)
{
	return (pattern_base + cpu * 0x100 + i) << 3;
}

static void isolation(unsigned cpu, unsigned nbrps, unsigned nwrps)
{
	struct iso_result *r = &iso[cpu];
	u64 end = now_ticks() + ticks_per_sec() * 3 / 10, last = now_ticks(), gap = ticks_per_sec() / 500;

	/* vCPU 0 keeps MDE set (its registers stay switched); vCPU 1 none (it traps again after each switch). */
	write_sysreg(mdscr_el1, cpu == 0 ? MDSCR_MDE : MDSCR_TDCC);
	for (unsigned i = 0; i < nbrps; i++)
		set_bvr(i, pattern(cpu, i));
	for (unsigned i = 0; i < nwrps; i++)
		set_wvr(i, pattern(cpu, 0x80 + i));
	while (now_ticks() < end) {
		u64 t = now_ticks();
		if (t - last > gap)
			r->preempted++; /* another vCPU had the CPU meanwhile */
		last = t;
		for (unsigned i = 0; i < nbrps; i++)
			if (get_bvr(i) != pattern(cpu, i))
				r->bad++;
		for (unsigned i = 0; i < nwrps; i++)
			if (get_wvr(i) != pattern(cpu, 0x80 + i))
				r->bad++;
		if (read_sysreg(mdscr_el1) != (cpu == 0 ? MDSCR_MDE : MDSCR_TDCC))
			r->bad++;
		r->rounds++;
	}
	write_sysreg(mdscr_el1, 0);
	r->done = true;
}

void secondary_main(void)
{
	isolation(1, g_nbrps, g_nwrps);
	for (;;)
		__asm__ volatile("wfi");
}

static void report_isolation(unsigned cpu)
{
	check(iso[cpu].rounds > 0 && iso[cpu].bad == 0,
	      "vCPU %u read back only its own breakpoint registers and MDSCR_EL1: %u rounds, %u wrong, "
	      "switched out %u times",
	      cpu, iso[cpu].rounds, iso[cpu].bad, iso[cpu].preempted);
}

int main(void)
{
	u64 dfr0 = read_sysreg(id_aa64dfr0_el1), expect;
	unsigned nbrps = ((dfr0 >> 12) & 0xF) + 1, nwrps = ((dfr0 >> 20) & 0xF) + 1;
	char role[16] = "";

	pattern_base = 0x1000;
	bootarg_u64("pattern", &pattern_base);
	bootarg_str("role", role, sizeof(role));
	g_nbrps = nbrps;
	g_nwrps = nwrps;
	set_exception_handler(on_exception);

	if (role[0] == 'o') { /* another VM on the same physical CPU: only the isolation part */
		isolation(0, nbrps, nwrps);
		report_isolation(0);
		return 0;
	}
	gprintf("ID_AA64DFR0_EL1 = 0x%llx: %u breakpoints, %u watchpoints\n", (unsigned long long)dfr0, nbrps,
		nwrps);
	if (bootarg_u64("expect_brps", &expect))
		check(nbrps == expect, "%u breakpoints advertised (want %llu)", nbrps,
		      (unsigned long long)expect);
	if (bootarg_u64("expect_wrps", &expect))
		check(nwrps == expect, "%u watchpoints advertised (want %llu)", nwrps,
		      (unsigned long long)expect);
	check((dfr0 & 0xF) == 6 && ((dfr0 >> 8) & 0xF) <= 4, "DebugVer Armv8.0, PMUVer at most PMUv3p1");

	breakpoints(nbrps);
	watchpoints(nwrps);
	if (nbrps < 16)
		check(undef_count(set_bvr, nbrps) == 1 && undef_count(set_bcr, nbrps) == 1,
		      "DBGBVR%u/DBGBCR%u_EL1 (not advertised) are UNDEFINED", nbrps, nbrps);
	if (nwrps < 16)
		check(undef_count(set_wvr, nwrps) == 1 && undef_count(set_wcr, nwrps) == 1,
		      "DBGWVR%u/DBGWCR%u_EL1 (not advertised) are UNDEFINED", nwrps, nwrps);
	single_step();
	os_lock();
	el2_is_not_debugged();

	/* Two vCPUs of this VM (and, if the test runs one, another VM) share this physical CPU. */
	s64 on = psci_cpu_on(1, secondary_stack_top(1));
	if (check(on == 0, "CPU_ON vCPU 1 (%lld)", (long long)on)) {
		isolation(0, nbrps, nwrps);
		u64 end = now_ticks() + ticks_per_sec() * 5;
		while (!iso[1].done && now_ticks() < end)
			cpu_relax();
		report_isolation(0);
		report_isolation(1);
		check(iso[0].preempted + iso[1].preempted > 0,
		      "the two vCPUs were switched while they checked");
	}
	return 0;
}
