/*
 * Pointer authentication as a guest sees it (arch/pauth.h; docs/design.md,
 * "SVE and pointer authentication").
 *
 * On a CPU without it (cortex-a57): the ID fields read zero, the key
 * registers, PACIA Xd, Xn and PACGA are UNDEFINED (the guest's own vectors
 * take them; hyparm stays up), and PACIASP, in the hint space, is a NOP.
 *
 * With it (-cpu max): the vCPU sets its five key pairs from its own
 * pattern (seed=N for the VM, + the vCPU number), turns on EnIA/EnIB/EnDA/
 * EnDB, and checks that PACIA/AUTIA (and the B and data keys) round trip,
 * that a forged pointer (a flipped PAC bit, or the wrong modifier) fails
 * authentication (an error code in the result, or an FPAC fault where the
 * CPU has FEAT_FPAC), and that PACGA's value is the same each time. It
 * then stays busy for many scheduler slices so that whatever shares its
 * physical CPU runs, and checks after each that its key registers and
 * its signatures are still its own.
 *
 * Parameters: seed=N (default 1), cpus=2 (vCPU 1 runs the same check),
 * first=pac (the first use is a PAC instruction, trapped by HCR_EL2.API;
 * default: a key register write, trapped by HCR_EL2.APK), rounds=R.
 */
#include "guest.h"

#define PAUTH_ASM ".arch_extension pauth\n"
#define EC_UNKNOWN 0x00
#define EC_FPAC 0x1C
#define SCTLR_EnIA (1ULL << 31)
#define SCTLR_EnIB (1ULL << 30)
#define SCTLR_EnDA (1ULL << 27)
#define SCTLR_EnDB (1ULL << 13)

#define KEYS(X) \
	X(0, S3_0_C2_C1_0) \
	X(1, S3_0_C2_C1_1) \
	X(2, S3_0_C2_C1_2) \
	X(3, S3_0_C2_C1_3) \
	X(4, S3_0_C2_C2_0) \
	X(5, S3_0_C2_C2_1) \
	X(6, S3_0_C2_C2_2) \
	X(7, S3_0_C2_C2_3) \
	X(8, S3_0_C2_C3_0) \
	X(9, S3_0_C2_C3_1)
#define NKEYS 10
static const char *const key_names[NKEYS] = {
	"APIAKeyLo", "APIAKeyHi", "APIBKeyLo", "APIBKeyHi", "APDAKeyLo",
	"APDAKeyHi", "APDBKeyLo", "APDBKeyHi", "APGAKeyLo", "APGAKeyHi"
};

static void keys_write(const u64 *k)
{
#define WR(i, enc) write_sysreg(enc, k[i]);
	KEYS(WR)
#undef WR
	isb();
}

static void keys_read(u64 *k)
{
#define RD(i, enc) k[i] = read_sysreg(enc);
	KEYS(RD)
#undef RD
}

static volatile unsigned undefs, fpac_faults;

static bool on_exception(struct frame *f, const struct exception *e)
{
	unsigned ec = e->esr >> 26;

	if (ec == EC_UNKNOWN)
		undefs++;
	else if (ec == EC_FPAC)
		fpac_faults++;
	else
		return false;
	f->elr = e->elr + 4;
	return true;
}

/* The instructions, by register (Xd = x, modifier m). */
static u64 pacia(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "pacia %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 autia(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "autia %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 pacib(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "pacib %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 autib(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "autib %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 pacda(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "pacda %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 autda(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "autda %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 pacdb(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "pacdb %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 autdb(u64 x, u64 m)
{
	__asm__ volatile(PAUTH_ASM "autdb %0, %1" : "+r"(x) : "r"(m));
	return x;
}
static u64 pacga(u64 x, u64 m)
{
	u64 d;
	__asm__ volatile(PAUTH_ASM "pacga %0, %1, %2" : "=r"(d) : "r"(x), "r"(m));
	return d;
}

static u64 pattern(u64 seed, unsigned i)
{
	u64 z = (seed + 1) * 0x9E3779B97F4A7C15ULL + (i + 1) * 0xBF58476D1CE4E5B9ULL;
	z ^= z >> 31;
	z *= 0x94D049BB133111EBULL;
	return z ^ (z >> 29);
}

static bool pauth_advertised(void)
{
	u64 isar1 = read_sysreg(id_aa64isar1_el1), isar2 = read_sysreg(S3_0_C0_C6_2);

	return (isar1 >> 4 & 0xF) || (isar1 >> 8 & 0xF) || (isar2 >> 12 & 0xF);
}

static bool generic_advertised(void)
{
	u64 isar1 = read_sysreg(id_aa64isar1_el1), isar2 = read_sysreg(S3_0_C0_C6_2);

	return (isar1 >> 24 & 0xF) || (isar1 >> 28 & 0xF) || (isar2 >> 8 & 0xF);
}

static void without_pauth(void)
{
	u64 isar1 = read_sysreg(id_aa64isar1_el1), isar2 = read_sysreg(S3_0_C0_C6_2);
	u64 k[NKEYS] = { 0 };

	check(!pauth_advertised() && !generic_advertised(),
	      "no pointer authentication advertised (ISAR1 0x%llx, ISAR2 0x%llx)", (unsigned long long)isar1,
	      (unsigned long long)isar2);
	unsigned u = undefs;
	keys_write(k);
	keys_read(k);
	check(undefs == u + 2 * NKEYS, "the 10 key registers are UNDEFINED (%u UNDEFs)", undefs - u);
	u = undefs;
	(void)pacia(0x1000, 0);
	check(undefs == u + 1, "PACIA is UNDEFINED");
	u = undefs;
	(void)pacga(0x1000, 0);
	check(undefs == u + 1, "PACGA is UNDEFINED");
	/* PACIASP is a hint: a NOP on a CPU without pointer authentication, LR untouched. */
	u64 lr = 0x40001234;
	__asm__ volatile("mov x30, %1\n hint #25\n mov %0, x30" : "=r"(lr) : "r"(lr) : "x30");
	check(lr == 0x40001234 && undefs == u + 1, "PACIASP is a NOP (x30 0x%llx)", (unsigned long long)lr);
}

static volatile bool cpu1_go, cpu1_done;
static volatile unsigned cpu1_bad;
static u64 seed = 1, rounds = 20;
static char first[8] = "key";

#define PTR 0x40123450ULL /* a pointer into the guest's RAM */
#define MOD 0x1234ULL

struct sigs {
	u64 ia, ib, da, db, ga;
};

static void sign(struct sigs *s)
{
	s->ia = pacia(PTR, MOD);
	s->ib = pacib(PTR, MOD);
	s->da = pacda(PTR, MOD);
	s->db = pacdb(PTR, MOD);
	s->ga = pacga(PTR, MOD);
}

/* One vCPU's whole check; returns 0, or the round (or 1000 + key) at which it saw something not its own. */
static unsigned hold_keys(unsigned cpu, bool report)
{
	u64 k[NKEYS], now[NKEYS], my_seed = seed * 16 + cpu;
	struct sigs ref, again;

	for (unsigned i = 0; i < NKEYS; i++)
		k[i] = pattern(my_seed, i);
	if (cpu == 0 && first[0] == 'p') {
		/* First use through a PAC instruction (HCR_EL2.API traps it), with the keys at reset. */
		unsigned u = undefs;
		(void)pacga(PTR, MOD);
		if (report)
			check(undefs == u, "PACGA as the first use runs (not UNDEFINED)");
	}
	keys_write(k);
	keys_read(now);
	for (unsigned i = 0; i < NKEYS; i++)
		if (now[i] != k[i])
			return 1000 + i;
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | SCTLR_EnIA | SCTLR_EnIB | SCTLR_EnDA | SCTLR_EnDB);
	isb();
	sign(&ref);
	if (report) {
		unsigned f = fpac_faults;
		u64 forged_bit = ref.ia ^ (1ULL << 53), bad1, bad2;
		check(ref.ia != PTR && autia(ref.ia, MOD) == PTR,
		      "PACIA/AUTIA round trip (0x%llx signed 0x%llx)", (unsigned long long)PTR,
		      (unsigned long long)ref.ia);
		check(autib(ref.ib, MOD) == PTR && autda(ref.da, MOD) == PTR && autdb(ref.db, MOD) == PTR,
		      "PACIB/AUTIB, PACDA/AUTDA, PACDB/AUTDB round trip");
		bad1 = autia(forged_bit, MOD);
		bad2 = autia(ref.ia, MOD + 1);
		check((bad1 != PTR && bad2 != PTR) || fpac_faults == f + 2,
		      "a forged pointer fails AUTIA (flipped PAC bit: 0x%llx, wrong modifier: 0x%llx, FPAC "
		      "faults %u)",
		      (unsigned long long)bad1, (unsigned long long)bad2, fpac_faults - f);
		check(pacga(PTR, MOD) == ref.ga && pacga(PTR, MOD + 1) != ref.ga,
		      "PACGA 0x%llx, keyed and repeatable", (unsigned long long)ref.ga);
	}
	for (unsigned r = 1; r <= rounds; r++) {
		delay_ms(25); /* a few scheduler slices: whoever shares this CPU runs meanwhile */
		keys_read(now);
		for (unsigned i = 0; i < NKEYS; i++)
			if (now[i] != k[i]) {
				if (report)
					gprintf("round %u: %s 0x%llx, wrote 0x%llx\n", r, key_names[i],
						(unsigned long long)now[i], (unsigned long long)k[i]);
				return r;
			}
		sign(&again);
		if (again.ia != ref.ia || again.ib != ref.ib || again.da != ref.da || again.db != ref.db ||
		    again.ga != ref.ga)
			return r;
	}
	return 0;
}

void secondary_main(void)
{
	while (!cpu1_go)
		cpu_relax();
	cpu1_bad = hold_keys(1, false);
	cpu1_done = true;
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	u64 cpus = 1;

	set_exception_handler(on_exception);
	if (!pauth_advertised()) {
		without_pauth();
		return 0;
	}
	bootarg_u64("seed", &seed);
	bootarg_u64("rounds", &rounds);
	bootarg_u64("cpus", &cpus);
	bootarg_str("first", first, sizeof(first));
	gprintf("ID_AA64ISAR1_EL1 0x%llx ID_AA64ISAR2_EL1 0x%llx\n",
		(unsigned long long)read_sysreg(id_aa64isar1_el1),
		(unsigned long long)read_sysreg(S3_0_C0_C6_2));
	check(generic_advertised(), "generic authentication (PACGA) advertised with the address keys");
	if (cpus > 1) {
		check(psci_cpu_on(1, secondary_stack_top(1)) == 0, "vCPU 1 started");
		cpu1_go = true;
	}
	unsigned bad = hold_keys(0, true);
	check(!bad, "vCPU 0 (seed %llu): its keys and signatures kept over %llu rounds (%s %u)",
	      (unsigned long long)seed, (unsigned long long)rounds,
	      bad >= 1000 ? "key not kept when written:" : "round", bad >= 1000 ? bad - 1000 : bad);
	check(undefs == 0 && fpac_faults <= 2, "no PAuth instruction or key register was UNDEFINED");
	if (cpus > 1) {
		u64 t = now_ticks() + 30 * ticks_per_sec();
		while (!cpu1_done && now_ticks() < t)
			cpu_relax();
		check(cpu1_done && !cpu1_bad, "vCPU 1: its keys and signatures kept over %llu rounds (%u)",
		      (unsigned long long)rounds, cpu1_bad);
	}
	return 0;
}
