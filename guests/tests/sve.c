/*
 * SVE as a guest sees it (arch/sve.h; docs/design.md, "SVE and pointer
 * authentication").
 *
 * On a CPU without SVE (cortex-a57): ID_AA64PFR0_EL1.SVE and
 * ID_AA64ZFR0_EL1 read zero, and an SVE instruction and ZCR_EL1 are
 * UNDEFINED (the guest's own vectors take them; hyparm stays up).
 *
 * With SVE (-cpu max):
 *  - first use: the Z registers' low 128 bits are the FP/SIMD registers the
 *    guest had (FP and SVE agree), the rest, P0-P15 and FFR zero, ZCR_EL1
 *    is 0 (128 bits, as KVM resets it), and RDVL agrees with ZCR_EL1 for
 *    every LEN, up to the VL hyparm gives;
 *  - isolation: each vCPU fills Z0-Z31, P0-P15, FFR and ZCR_EL1 with its
 *    own pattern (seed=N for the VM, + the vCPU number), stays busy for
 *    many scheduler slices so that whatever shares its physical CPU runs,
 *    and checks after each that it reads back exactly its own pattern, and
 *    that its Q registers are still the low 128 bits of its Z registers.
 *
 * Parameters: seed=N (default 1), cpus=2 (vCPU 1 runs the same check),
 * len=L (ZCR_EL1.LEN during the check, default 15: the longest allowed),
 * expect_vl_bits=B (hyparm's VL, checked with LEN 15), rounds=R (default 20).
 */
#include "guest.h"

#define SVE_ASM ".arch_extension sve\n"
#define ZCR_EL1 S3_0_C1_C2_0
#define CPACR_ZEN (3ULL << 16)
#define VL_MAX 256 /* bytes: the architecture's longest vector, 2048 bits */
#define EC_UNKNOWN 0x00

struct sve_regs {
	u8 z[32][VL_MAX]; /* only the first VL bytes of each are used: packed at VL, see z_at() */
	u8 p[17][VL_MAX / 8]; /* P0-P15, FFR; packed at VL/8 */
} __attribute__((aligned(16)));

static volatile unsigned undefs;

static bool on_undef(struct frame *f, const struct exception *e)
{
	if ((e->esr >> 26) != EC_UNKNOWN)
		return false;
	undefs++;
	f->elr = e->elr + 4;
	return true;
}

static u64 rdvl(void)
{
	u64 v;
	__asm__ volatile(SVE_ASM "rdvl %0, #1" : "=r"(v));
	return v;
}

/* Z at n * VL, then the predicates at 32 * VL, each VL/8 (the layout "mul vl" addressing gives). */
static void regs_load(const u8 *buf)
{
	__asm__ volatile(
		SVE_ASM
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
		"26,27,28,29,30,31\n ldr z\\n, [%0, #\\n, mul vl]\n .endr\n"
		"addvl x9, %0, #16\n addvl x9, x9, #16\n"
		"ldr p0, [x9, #16, mul vl]\n wrffr p0.b\n"
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n ldr p\\n, [x9, #\\n, mul vl]\n .endr\n"
		:
		: "r"(buf)
		: "x9", "memory");
}

static void regs_store(u8 *buf)
{
	__asm__ volatile(
		SVE_ASM
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
		"26,27,28,29,30,31\n str z\\n, [%0, #\\n, mul vl]\n .endr\n"
		"addvl x9, %0, #16\n addvl x9, x9, #16\n"
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n str p\\n, [x9, #\\n, mul vl]\n .endr\n"
		"rdffr p0.b\n str p0, [x9, #16, mul vl]\n ldr p0, [x9, #0, mul vl]\n"
		:
		: "r"(buf)
		: "x9", "memory");
}

static void q_load(const u64 (*q)[2])
{
	__asm__ volatile(".irp n,0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30\n"
			 "ldr q\\n, [%0, #16 * \\n]\n .endr\n"
			 ".irp n,1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31\n"
			 "ldr q\\n, [%0, #16 * \\n]\n .endr\n"
			 :
			 : "r"(q)
			 : "memory");
}

static void q_store(u64 (*q)[2])
{
	__asm__ volatile(
		".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,"
		"29,30,31\n str q\\n, [%0, #16 * \\n]\n .endr\n"
		:
		: "r"(q)
		: "memory");
}

static u8 *z_at(u8 *buf, unsigned vl, unsigned n)
{
	return buf + (u64)n * vl;
}

static u8 *p_at(u8 *buf, unsigned vl, unsigned n)
{
	return buf + 32ULL * vl + (u64)n * (vl / 8);
}

static u8 mix(u64 seed, unsigned i)
{
	u64 z = (seed + 1) * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL;
	z ^= z >> 29;
	z *= 0x94D049BB133111EBULL;
	return (u8)(z >> 56);
}

/* The pattern of (seed): every Z and P byte; FFR a run of ones (WRFFR wants a monotonic value). */
static void fill(u8 *buf, unsigned vl, u64 seed)
{
	unsigned pl = vl / 8, ffr_bits = (unsigned)(seed * 7 % (pl * 8)) + 1;

	for (unsigned i = 0; i < 32 * vl + 16 * pl; i++)
		buf[i] = mix(seed, i);
	for (unsigned b = 0; b < pl * 8; b++) {
		u8 *byte = p_at(buf, vl, 16) + b / 8;
		if (b < ffr_bits)
			*byte |= (u8)(1u << (b % 8));
		else
			*byte &= (u8) ~(1u << (b % 8));
	}
}

static bool same(const u8 *a, const u8 *b, u64 n, u64 *at)
{
	for (u64 i = 0; i < n; i++)
		if (a[i] != b[i]) {
			*at = i;
			return false;
		}
	return true;
}

static void sve_on_here(void)
{
	write_sysreg(cpacr_el1, read_sysreg(cpacr_el1) | CPACR_ZEN);
	isb();
}

static void without_sve(void)
{
	u64 pfr0 = read_sysreg(id_aa64pfr0_el1), zfr0 = read_sysreg(S3_0_C0_C4_4);

	check(((pfr0 >> 32) & 0xF) == 0 && zfr0 == 0,
	      "no SVE advertised (ID_AA64PFR0_EL1 0x%llx, ZFR0 0x%llx)", (unsigned long long)pfr0,
	      (unsigned long long)zfr0);
	sve_on_here(); /* so that the UNDEF is the CPU's (hyparm's), not the guest's own CPACR trap */
	unsigned u = undefs;
	(void)rdvl();
	check(undefs == u + 1, "RDVL is UNDEFINED");
	u = undefs;
	(void)read_sysreg(ZCR_EL1);
	write_sysreg(ZCR_EL1, 0);
	check(undefs == u + 2, "ZCR_EL1 is UNDEFINED");
}

static struct sve_regs mine[2], now[2];
static u64 q_pattern[2][32][2] __attribute__((aligned(16))), q_now[2][32][2] __attribute__((aligned(16)));

/* The first SVE instruction: hyparm makes the state live; the guest's FP/SIMD registers are its low 128 bits. */
static void first_use(u64 expect_vl)
{
	u8 *buf = now[0].z[0];

	for (unsigned i = 0; i < 32; i++) {
		q_pattern[0][i][0] = 0x0101010101010101ULL * (i + 1);
		q_pattern[0][i][1] = ~q_pattern[0][i][0];
	}
	q_load(q_pattern[0]);
	u64 zcr = read_sysreg(ZCR_EL1); /* the first use: traps once, runs again */
	check(zcr == 0 && rdvl() == 16, "ZCR_EL1 0x%llx at reset, as KVM's, and RDVL agrees (%llu bytes)",
	      (unsigned long long)zcr, (unsigned long long)rdvl());
	write_sysreg(ZCR_EL1, 15);
	isb();
	regs_store(buf);
	unsigned vl = (unsigned)rdvl();
	bool low = true, high = true, pred = true;
	for (unsigned i = 0; i < 32; i++) {
		u8 *z = z_at(buf, vl, i);
		low &= same(z, (const u8 *)q_pattern[0][i], 16, &(u64){ 0 });
		for (unsigned b = 16; b < vl; b++)
			high &= z[b] == 0;
	}
	for (unsigned b = 0; b < 17 * (vl / 8); b++)
		pred &= p_at(buf, vl, 0)[b] == 0;
	check(low, "first SVE use: Z0-Z31's low 128 bits are the guest's Q registers");
	check(high, "first SVE use: the rest of Z0-Z31 is zero");
	check(pred, "first SVE use: P0-P15 and FFR are zero");

	bool agree = true;
	unsigned prev = 0;
	for (unsigned len = 0; len < 16; len++) {
		write_sysreg(ZCR_EL1, len);
		isb();
		unsigned got = (unsigned)rdvl();
		/* RDVL: the longest implemented VL not above (LEN + 1) * 128 bits, never shrinking as LEN grows. */
		if (got > (len + 1) * 16 || got < prev || got % 16 || (read_sysreg(ZCR_EL1) & 0xF) != len)
			agree = false;
		prev = got;
	}
	check(agree, "RDVL agrees with ZCR_EL1.LEN for LEN 0..15 (longest %u bytes)", prev);
	if (expect_vl)
		check(prev * 8 == expect_vl, "the VL hyparm gives: %u bits (expected %llu)", prev * 8,
		      (unsigned long long)expect_vl);
	gprintf("SVE vector length %u bits\n", prev * 8);
}

static volatile bool cpu1_done, cpu1_go;
static volatile unsigned cpu1_bad_round;
static u64 seed, len = 15, rounds = 20;

/* One vCPU's isolation check: 0 if its registers kept its pattern every round, else the first bad round. */
static unsigned hold_pattern(unsigned cpu, u64 *where)
{
	u64 my_seed = seed * 16 + cpu;

	sve_on_here();
	write_sysreg(ZCR_EL1, len);
	isb();
	unsigned vl = (unsigned)rdvl();
	u8 *want = mine[cpu].z[0], *got = now[cpu].z[0];
	u64 bytes = 32ULL * vl + 17ULL * (vl / 8);
	fill(want, vl, my_seed);
	regs_load(want);
	for (unsigned r = 1; r <= rounds; r++) {
		delay_ms(25); /* a few scheduler slices: whoever shares this CPU runs meanwhile */
		if ((read_sysreg(ZCR_EL1) & 0xF) != len || rdvl() != vl) {
			*where = ~0ULL;
			return r;
		}
		regs_store(got);
		q_store(q_now[cpu]);
		if (!same(want, got, bytes, where))
			return r;
		for (unsigned i = 0; i < 32; i++)
			if (!same((const u8 *)q_now[cpu][i], z_at(want, vl, i), 16, &(u64){ 0 })) {
				*where = 0x1000000ULL + i;
				return r;
			}
	}
	return 0;
}

static const char *what(u64 at, unsigned vl)
{
	if (at == ~0ULL)
		return "ZCR_EL1/RDVL";
	if (at >= 0x1000000ULL)
		return "a Q register (not the low bits of its Z register)";
	return at < 32ULL * vl ? "a Z register" : at < 32ULL * vl + 16 * (vl / 8) ? "a P register" : "FFR";
}

static u64 cpu1_where;

void secondary_main(void)
{
	while (!cpu1_go)
		cpu_relax();
	cpu1_bad_round = hold_pattern(1, &cpu1_where);
	cpu1_done = true;
	for (;;)
		__asm__ volatile("wfi");
}

int main(void)
{
	u64 expect_vl = 0, cpus = 1, where = 0;

	set_exception_handler(on_undef);
	if (!(read_sysreg(id_aa64pfr0_el1) >> 32 & 0xF)) {
		without_sve();
		return 0;
	}
	seed = 1;
	bootarg_u64("seed", &seed);
	bootarg_u64("len", &len);
	bootarg_u64("rounds", &rounds);
	bootarg_u64("expect_vl_bits", &expect_vl);
	bootarg_u64("cpus", &cpus);
	len &= 0xF;
	gprintf("ID_AA64PFR0_EL1 0x%llx ID_AA64ZFR0_EL1 0x%llx\n",
		(unsigned long long)read_sysreg(id_aa64pfr0_el1),
		(unsigned long long)read_sysreg(S3_0_C0_C4_4));
	sve_on_here();
	first_use(expect_vl);
	check(undefs == 0, "no SVE instruction was UNDEFINED");

	if (cpus > 1) {
		check(psci_cpu_on(1, secondary_stack_top(1)) == 0, "vCPU 1 started");
		cpu1_go = true;
	}
	unsigned bad = hold_pattern(0, &where);
	unsigned vl = (unsigned)rdvl(); /* at LEN len, as the check ran */
	check(!bad, "vCPU 0 (seed %llu): Z, P, FFR, ZCR_EL1 kept over %llu rounds%s%s (round %u, byte %llu)",
	      (unsigned long long)seed, (unsigned long long)rounds, bad ? ": first difference in " : "",
	      bad ? what(where, vl) : "", bad, (unsigned long long)where);
	if (cpus > 1) {
		u64 t = now_ticks() + 30 * ticks_per_sec();
		while (!cpu1_done && now_ticks() < t)
			cpu_relax();
		check(cpu1_done && !cpu1_bad_round,
		      "vCPU 1: Z, P, FFR, ZCR_EL1 kept over %llu rounds%s%s (round %u, byte %llu)",
		      (unsigned long long)rounds, cpu1_bad_round ? ": first difference in " : "",
		      cpu1_bad_round ? what(cpu1_where, vl) : "", cpu1_bad_round,
		      (unsigned long long)cpu1_where);
	}
	return 0;
}
