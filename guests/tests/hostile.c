/*
 * The hostile VM of the hostile-guest suite (tests/integration/hostile.py,
 * docs/security.md "Hostile guests"). One binary, one attack per run, chosen
 * by the boot argument case=NAME; it runs next to guests/tests/honest.c,
 * which measures how much of its progress the attack costs it.
 *
 * An attack repeats until the physical counter passes until_ms=N (default
 * 2000 ms after QEMU started): that counter is not the VM's and survives a
 * SYSTEM_RESET, which wipes our RAM, so the reset cases know when to stop.
 * Then the guest prints its RESULT and powers off, unless the attack is one
 * hyparm must stop (exception loops) or one that never ends by design
 * (exc_undef: a loop hyparm cannot see).
 *
 * Every synchronous exception we provoke is counted by class and skipped
 * (an instruction fetch returns to the caller), so an abort injected by
 * hyparm is recorded and the attack goes on.
 */
#include "hostile/hostile.h"

u64 deadline; /* physical count at which the attack ends */
static u64 rng = 0x2545F4914F6CDD1DULL;
char mode[24];

volatile u64 exc_by_ec[64];
volatile u64 exc_total;
static volatile u64 last_esr;

u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

u64 pcount(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

bool time_up(void)
{
	return pcount() >= deadline;
}

u64 ms_ticks(u64 ms)
{
	return ticks_per_sec() / 1000 * ms;
}

static bool on_exception(struct frame *f, const struct exception *e)
{
	unsigned ec = (e->esr >> 26) & 0x3F;

	exc_by_ec[ec]++;
	exc_total++;
	last_esr = e->esr;
	if (ec == 0x20 || ec == 0x21 || ec == 0x22) /* instruction abort, PC alignment: back to the caller */
		f->elr = f->x[30];
	else
		f->elr = e->elr + 4;
	return true;
}

/* ---------------- system registers ---------------- */

/* One stub per encoding: [mrs x0, R; ret] then [msr R, x0; ret], op0 = 2 and 3. */
#define NR_ENC 16384
static u32 stubs[2][NR_ENC][2] __attribute__((aligned(4096)));

static void build_stubs(void)
{
	for (u32 e = 0; e < NR_ENC; e++) {
		u32 enc = e << 5; /* o0 op1 CRn CRm op2 in bits 19..5 */
		stubs[0][e][0] = 0xD5300000u | enc; /* MRS x0 */
		stubs[0][e][1] = 0xD65F03C0u; /* RET */
		stubs[1][e][0] = 0xD5100000u | enc; /* MSR ..., x0 */
		stubs[1][e][1] = 0xD65F03C0u;
	}
	__asm__ volatile("dsb sy\n ic iallu\n dsb sy\n isb" ::: "memory");
}

static u64 call_stub(const u32 *stub, u64 x0)
{
	u64 (*fn)(u64) = (u64(*)(u64))(u64)stub;
	return fn(x0);
}

static void attack_sysregs(void)
{
	u64 rounds = 0, readable = 0, leaks = 0, undef = 0;

	build_stubs();
	do {
		for (u32 e = 0; e < NR_ENC; e++) {
			u64 before = exc_total;
			u64 v = call_stub(stubs[0][e], 0);
			u64 w;

			if (exc_total == before) {
				readable++;
				if (v >> 48 == HONEST_TOP16_TPIDR || v >> 48 == HONEST_TOP16_REGS) {
					if (leaks++ < 4)
						gprintf("read S%u_%u_C%u_C%u_%u = 0x%llx: the honest VM's "
							"pattern\n",
							2 + (e >> 14 & 1), e >> 11 & 7, e >> 7 & 15,
							e >> 3 & 15, e & 7, (unsigned long long)v);
				}
				w = v; /* our own state written back as it was: we must survive */
			} else {
				undef++;
				w = rnd(); /* not readable here: whatever reaches hyparm, at random */
			}
			call_stub(stubs[1][e], w);
		}
		rounds++;
	} while (!time_up());
	gprintf("sysregs: %llu sweeps of %u encodings, %llu readable, %llu exceptions\n",
		(unsigned long long)rounds, NR_ENC, (unsigned long long)readable, (unsigned long long)undef);
	check(leaks == 0, "no read shows the honest VM's register patterns (%llu did)",
	      (unsigned long long)leaks);
}

/* ---------------- SMCCC ---------------- */

static u64 smccc8(bool smc, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7)
{
	register u64 x0 __asm__("x0") = a0, x1 __asm__("x1") = a1, x2 __asm__("x2") = a2,
			x3 __asm__("x3") = a3;
	register u64 x4 __asm__("x4") = a4, x5 __asm__("x5") = a5, x6 __asm__("x6") = a6,
			x7 __asm__("x7") = a7;
	if (smc)
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
				   "+r"(x7)
				 :
				 : "memory");
	else
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
				   "+r"(x7)
				 :
				 : "memory");
	return x0;
}

/* PSCI functions that would end or suspend us: the psci_* and reset_* cases abuse those. */
static bool psci_unsafe(u32 fid)
{
	u32 owner = fid >> 24 & 0x3F, fn = fid & 0xFFFF;

	if (owner != 4 || fn >= 0x20)
		return false;
	return fn == 1 || fn == 2 || fn == 8 || fn == 9 || fn == 0xC || fn == 0xD || fn == 0xE || fn == 0x12;
}

static void attack_smccc(void)
{
	static const u32 fns[] = { 0,	 1,	2,	3,	4,	5,	6,	7,	0xA,
				   0xF,	 0x10,	0x11,	0x13,	0x14,	0x20,	0x21,	0x50,	0x53,
				   0xFF, 0x100, 0x3FFF, 0x7FFF, 0x8000, 0xFF00, 0xFF01, 0xFF03, 0xFFFF };
	u64 calls = 0, bad_unknown = 0;

	do {
		for (u32 owner = 0; owner < 64; owner++) {
			for (u32 kind = 0; kind < 4; kind++) { /* fast/yielding x SMC32/SMC64 */
				u32 base = (kind & 1 ? 0x80000000u : 0) | (kind & 2 ? 0x40000000u : 0) |
					owner << 24;
				for (unsigned n = 0; n <= sizeof(fns) / sizeof(fns[0]); n++) {
					u32 fid = base |
						(n < sizeof(fns) / sizeof(fns[0]) ? fns[n]
										  : (u32)rnd() & 0xFFFF);
					if (psci_unsafe(fid))
						continue;
					for (int smc = 0; smc < 2; smc++) {
						u64 r = smccc8(smc, fid, rnd(), rnd(), rnd(), rnd(), rnd(),
							       rnd(), rnd());
						calls++;
						/* Owners nobody implements (CPU, SiP, OEM, trusted apps/OS): NOT_SUPPORTED. */
						bool unknown = owner == 1 || owner == 2 || owner == 3 ||
							owner >= 48;
						if (unknown && (kind & 1) && (u32)r != 0xFFFFFFFFu &&
						    bad_unknown++ < 4)
							gprintf("fid 0x%x over %s returned 0x%llx\n", fid,
								smc ? "SMC" : "HVC", (unsigned long long)r);
					}
				}
			}
		}
		/* Non-zero immediates. */
		__asm__ volatile("mov x0, #0\n movk x0, #0x8400, lsl #16\n hvc #0xffff" ::
					 : "x0", "x1", "x2", "x3", "memory");
		__asm__ volatile("mov x0, #0\n movk x0, #0x8400, lsl #16\n smc #0x1234" ::
					 : "x0", "x1", "x2", "x3", "memory");
		calls += 2;
	} while (!time_up());
	gprintf("smccc: %llu calls, %llu exceptions\n", (unsigned long long)calls,
		(unsigned long long)exc_total);
	check(bad_unknown == 0, "unimplemented owners answer NOT_SUPPORTED (%llu did not)",
	      (unsigned long long)bad_unknown);
}

/* ---------------- PSCI ---------------- */

static volatile u64 sec_runs, sec_go;
volatile u64 sec_ready;

static void sec_cpu_off_now(void)
{
	sec_runs++;
	hvc_call(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

static void attack_psci_bad_entry(void)
{
	extern char secondary_start[];
	static const u64 bad[] = { 0,
				   0x1000,
				   GUEST_GICD_IPA,
				   GUEST_GICR_IPA,
				   GUEST_UART_IPA,
				   GUEST_RAM_IPA - 4,
				   GUEST_RAM_IPA - 1,
				   1ULL << 39,
				   1ULL << 40,
				   1ULL << 47,
				   1ULL << 52,
				   ~0ULL,
				   ~3ULL };
	u64 base, size;
	unsigned wrong = 0;

	dtb_memory(&base, &size);
	do {
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			s64 r = (s64)hvc_call(PSCI_CPU_ON64, 1, bad[i], rnd());
			if (r != INVALID_ADDRESS && wrong++ < 4)
				gprintf("CPU_ON(1, 0x%llx) = %lld\n", (unsigned long long)bad[i],
					(long long)r);
		}
		s64 r = (s64)hvc_call(PSCI_CPU_ON64, 1, base + size, 0);
		if (r != INVALID_ADDRESS && wrong++ < 4)
			gprintf("CPU_ON(1, RAM end) = %lld\n", (long long)r);
		/* Bad targets, with a good entry point. */
		static const u64 targets[] = { 2, 0xFF, 0x100, 0x10000, 1ULL << 31 | 1, 1ULL << 32, ~0ULL };
		for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
			hvc_call(PSCI_CPU_ON64, targets[i], (u64)secondary_start, secondary_stack_top(1));
	} while (!time_up());
	check(wrong == 0, "CPU_ON with entry points outside RAM or in MMIO: INVALID_ADDRESS (%u were not)",
	      wrong);
	/*
	 * Last, an unaligned entry point inside RAM: PSCI lets hyparm refuse it or
	 * start the vCPU there (a PC alignment fault at a reset VBAR_EL1, so an
	 * exception loop hyparm stops, with the whole VM).
	 */
	s64 r = (s64)hvc_call(PSCI_CPU_ON64, 1, (u64)secondary_start + 2, secondary_stack_top(1));
	gprintf("CPU_ON(1, unaligned) = %lld\n", (long long)r);
	delay_ms(100);
}

static void attack_psci_storm(void)
{
	extern char secondary_start[];
	u64 ok = 0, already = 0, pending = 0, other = 0;

	do {
		s64 r = (s64)hvc_call(PSCI_CPU_ON64, 1, (u64)secondary_start, secondary_stack_top(1));
		if (r == 0)
			ok++;
		else if (r == -4)
			already++;
		else if (r == -5)
			pending++;
		else
			other++;
		hvc_call(PSCI_AFFINITY64, 1, 0, 0);
		hvc_call(PSCI_CPU_ON64, 0, (u64)secondary_start,
			 secondary_stack_top(0)); /* self: ALREADY_ON */
	} while (!time_up());
	gprintf("psci_storm: CPU_ON ok %llu already %llu pending %llu other %llu, vCPU 1 ran %llu times\n",
		(unsigned long long)ok, (unsigned long long)already, (unsigned long long)pending,
		(unsigned long long)other, (unsigned long long)sec_runs);
	check(ok > 0 && sec_runs > 0 && other == 0, "CPU_ON/CPU_OFF storm: vCPU 1 started and stopped again");
}

/* The reset cases: count our boots on the console (RAM does not survive SYSTEM_RESET). */
static void attack_reset(void)
{
	extern char secondary_start[];

	gprintf("hostile boot %llu ms\n", (unsigned long long)(pcount() * 1000 / ticks_per_sec()));
	if (time_up())
		return;
	if (strcmp(mode, "reset_loop") != 0) {
		psci_cpu_on(1, secondary_stack_top(1));
		u64 end = now_ticks() + ms_ticks(1000);
		while (!sec_ready && now_ticks() < end)
			cpu_relax();
		if (!sec_ready) {
			check(false, "vCPU 1 started");
			return;
		}
		delay_ms(5); /* vCPU 1 deep in its loop */
		sec_go = 1;
	}
	hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	check(false, "SYSTEM_RESET returned");
}

static void sec_reset(void)
{
	if (!strcmp(mode, "reset_spin")) {
		sec_ready = 1;
		__asm__ volatile("msr daifset, #0xf\n 1: b 1b");
	} else if (!strcmp(mode, "reset_hvc")) {
		sec_ready = 1;
		for (;;)
			hvc_call(PSCI_VERSION, 0, 0, 0);
	} else { /* reset_both: at the same moment as vCPU 0 */
		sec_ready = 1;
		while (!sec_go)
			;
		hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	}
	for (;;)
		;
}

/* ---------------- memory outside our RAM ---------------- */

static bool is_device(u64 a)
{
	/* GIC, UART and their neighbourhood (the mmio case), and the virtio-mmio slots, which answer. */
	return a >= GUEST_GICD_IPA && a < GUEST_VIRTIO_IPA + GUEST_VIRTIO_SLOTS * GUEST_VIRTIO_SLOT;
}

/* One access of each kind at a; returns how many should have aborted. */
static unsigned probe(u64 a)
{
	u64 v = rnd(), t;
	unsigned n = 0;

	__asm__ volatile("ldr %0, [%1]" : "=r"(t) : "r"(a) : "memory");
	n++;
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory");
	n++;
	__asm__ volatile("ldrb %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
	n++;
	__asm__ volatile("strh %w0, [%1]" : : "r"(v), "r"(a) : "memory");
	n++;
	__asm__ volatile("ldxr %0, [%1]" : "=r"(t) : "r"(a) : "memory");
	n++;
	__asm__ volatile("mov %w0, #1\n stxr %w0, %2, [%1]" : "=&r"(t) : "r"(a), "r"(v) : "memory");
	n++;
	__asm__ volatile("ldaxr %0, [%1]" : "=r"(t) : "r"(a) : "memory");
	n++;
	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(t), "=r"(v) : "r"(a) : "memory");
	n++;
	__asm__ volatile("stp %0, %0, [%1]" : : "r"(v), "r"(a) : "memory");
	n++;
	__asm__ volatile("ldar %0, [%1]" : "=r"(t) : "r"(a) : "memory");
	n++;
	__asm__ volatile("stlr %0, [%1]" : : "r"(v), "r"(a) : "memory");
	n++;
	/* LSE atomics: UNDEFINED on an ARMv8.0 CPU, an abort where they exist. */
	__asm__ volatile(".arch_extension lse\n ldadd %1, %0, [%2]" : "=r"(t) : "r"(v), "r"(a) : "memory");
	__asm__ volatile(".arch_extension lse\n cas %0, %1, [%2]" : "+r"(t) : "r"(v), "r"(a) : "memory");
	__asm__ volatile(".arch_extension lse\n swp %1, %0, [%2]" : "=r"(t) : "r"(v), "r"(a) : "memory");
	/* Cache maintenance by address: an abort, or nothing. */
	__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	__asm__ volatile("ic ivau, %0" : : "r"(a) : "memory");
	__asm__ volatile("prfm pldl1keep, [%0]" : : "r"(a) : "memory");
	/* An instruction fetch there: the abort handler returns to the caller. */
	((void (*)(void))a)();
	(void)t;
	return n;
}

static void attack_ipa(void)
{
	u64 base, size, addrs = 0, expected = 0, aborts_before = exc_by_ec[0x24] + exc_by_ec[0x25];
	u64 rounds = 0;

	dtb_memory(&base, &size);
	do {
		/* Below RAM: every 2 MiB, and a few in every 2 MiB step's last page. */
		for (u64 a = 0; a < base; a += 0x200000) {
			if (is_device(a))
				continue;
			expected += probe(a);
			expected += probe(a + 0x1FFFF8);
			addrs += 2;
		}
		/* Above RAM: every 64 MiB up to 4 GiB, then every 4 GiB to the 40-bit IPA limit. */
		for (u64 a = base + size; a < (1ULL << 32); a += 0x4000000, addrs++)
			expected += probe(a);
		for (u64 a = 1ULL << 32; a < (1ULL << 40); a += 1ULL << 32, addrs++)
			expected += probe(a + (rnd() & 0xFFFFFF8));
		/* Random IPAs anywhere, and beyond the IPA size (a stage-1 address size fault of our own). */
		for (int i = 0; i < 64; i++) {
			u64 a = rnd() & ((1ULL << 40) - 8);
			if (is_device(a) || (a >= base && a < base + size))
				continue;
			expected += probe(a);
			addrs++;
		}
		probe(1ULL << 44);
		probe(~7ULL);
		/* Our own RAM, by set/way-free maintenance: all of it. */
		for (u64 a = base; a < base + size; a += 64)
			__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
		__asm__ volatile("ic iallu\n ic ialluis\n dsb sy\n isb" ::: "memory");
		rounds++;
	} while (!time_up());
	u64 aborts = exc_by_ec[0x24] + exc_by_ec[0x25] - aborts_before;
	gprintf("ipa: %llu rounds, %llu addresses, %llu data aborts (%llu loads/stores), undef %llu, iabort "
		"%llu\n",
		(unsigned long long)rounds, (unsigned long long)addrs, (unsigned long long)aborts,
		(unsigned long long)expected, (unsigned long long)exc_by_ec[0],
		(unsigned long long)exc_by_ec[0x21]);
	check(aborts >= expected, "every load/store/exclusive outside RAM and devices aborted (%llu of %llu)",
	      (unsigned long long)aborts, (unsigned long long)expected);
}

static void attack_setway(void)
{
	u64 ops = 0;
	u64 t0 = now_ticks(), worst = 0;

	do {
		u64 sw = ops & 1 ? rnd() & 0xFFFFFFFEULL : 0;
		u64 t = now_ticks();
		switch (ops % 3) {
		case 0:
			__asm__ volatile("dc cisw, %0" : : "r"(sw) : "memory");
			break;
		case 1:
			__asm__ volatile("dc csw, %0" : : "r"(sw) : "memory");
			break;
		default:
			__asm__ volatile("dc isw, %0" : : "r"(sw) : "memory");
			break;
		}
		t = now_ticks() - t;
		if (t > worst)
			worst = t;
		ops++;
	} while (!time_up());
	gprintf("setway: %llu set/way operations, %llu us each, worst %llu us\n", (unsigned long long)ops,
		(unsigned long long)((now_ticks() - t0) * 1000000 / ticks_per_sec() / ops),
		(unsigned long long)(worst * 1000000 / ticks_per_sec()));
}

/* ---------------- MMIO ---------------- */

struct dev {
	u64 base, size;
	bool writes;
};

static void mmio_sizes(const struct dev *d)
{
	for (u64 off = 0; off < d->size; off += off < 0x100 ? 1 : 0x40) {
		u64 a = d->base + off, t;
		bool wr = d->writes || off >= 0x48; /* the UART: leave DR, the baud rate and CR alone */

		__asm__ volatile("ldrb %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
		__asm__ volatile("ldrh %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
		__asm__ volatile("ldr %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
		__asm__ volatile("ldr %0, [%1]" : "=r"(t) : "r"(a) : "memory");
		__asm__ volatile("ldrsb %0, [%1]" : "=r"(t) : "r"(a) : "memory");
		__asm__ volatile("ldrsh %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
		if (!wr)
			continue;
		__asm__ volatile("strb %w0, [%1]" : : "r"(rnd()), "r"(a) : "memory");
		__asm__ volatile("strh %w0, [%1]" : : "r"(rnd()), "r"(a) : "memory");
		__asm__ volatile("str %w0, [%1]" : : "r"(rnd()), "r"(a) : "memory");
		__asm__ volatile("str %0, [%1]" : : "r"(rnd()), "r"(a) : "memory");
		(void)t;
	}
}

static void mmio_no_syndrome(u64 a, bool writes)
{
	u64 t, u, p;

	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(t), "=r"(u) : "r"(a) : "memory");
	__asm__ volatile("ldp %w0, %w1, [%2]" : "=r"(t), "=r"(u) : "r"(a) : "memory");
	p = a;
	__asm__ volatile("ldr %w0, [%1], #4" : "=r"(t), "+r"(p) : : "memory");
	p = a;
	__asm__ volatile("ldr %0, [%1, #8]!" : "=r"(t), "+r"(p) : : "memory");
	__asm__ volatile("ldxr %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
	__asm__ volatile("ldar %w0, [%1]" : "=r"(t) : "r"(a) : "memory");
	__asm__ volatile("ld1 {v0.16b}, [%0]" : : "r"(a) : "v0", "memory");
	__asm__ volatile("ldr q0, [%0]" : : "r"(a) : "v0", "memory");
	__asm__ volatile(".arch_extension lse\n ldadd %w1, %w0, [%2]"
			 : "=r"(t)
			 : "r"(0UL), "r"(a)
			 : "memory");
	__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	if (writes) {
		__asm__ volatile("stp %0, %0, [%1]" : : "r"(rnd()), "r"(a) : "memory");
		p = a;
		__asm__ volatile("str %w0, [%1, #4]!" : "+r"(t), "+r"(p) : : "memory");
		p = a;
		__asm__ volatile("str %0, [%1], #-8" : "+r"(t), "+r"(p) : : "memory");
		__asm__ volatile("mov %w0, #1\n stxr %w0, %w2, [%1]"
				 : "=&r"(t)
				 : "r"(a), "r"(0UL)
				 : "memory");
		__asm__ volatile("stlr %w0, [%1]" : : "r"(0UL), "r"(a) : "memory");
		__asm__ volatile("st1 {v0.16b}, [%0]" : : "r"(a) : "memory");
	}
	(void)t;
	(void)u;
}

static void attack_mmio(void)
{
	static const struct dev devs[] = {
		{ GICD_BASE, GUEST_GICD_SIZE, true },
		{ GICR_BASE, GUEST_GICR_STRIDE, true },
		{ UART_BASE, GUEST_UART_SIZE, false },
	};
	u64 rounds = 0;

	do {
		for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
			const struct dev *d = &devs[i];
			mmio_sizes(d);
			for (u64 off = 0; off < 0x100; off += 4)
				mmio_no_syndrome(d->base + off, d->writes || off >= 0x48);
			mmio_no_syndrome(d->base + 0x18,
					 true); /* the UART's flag register, GICD_STATUSR... */
			mmio_no_syndrome(d->base + d->size - 4, true); /* across the region's end */
			mmio_no_syndrome(d->base + d->size - 8, true);
		}
		rounds++;
	} while (!time_up());
	gprintf("mmio: %llu rounds, %llu exceptions (data aborts %llu, undef %llu)\n",
		(unsigned long long)rounds, (unsigned long long)exc_total,
		(unsigned long long)exc_by_ec[0x25], (unsigned long long)exc_by_ec[0]);
	check(read_sysreg(mpidr_el1) & (1ULL << 31), "still running after every kind of device access");
}

static void attack_spin(void)
{
	u64 n = 0;

	while (!time_up())
		n++;
	gprintf("spin: %llu\n", (unsigned long long)n);
}

static bool prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

void secondary_main(void)
{
	if (prefix(mode, "reset_"))
		sec_reset();
	else if (!strcmp(mode, "sgi_flood") || !strcmp(mode, "race_gicd"))
		sec_take_irqs();
	else if (!strcmp(mode, "virtio"))
		sec_virtio_scribble();
	else
		sec_cpu_off_now();
}

static const struct {
	const char *name;
	void (*fn)(void);
} attacks[] = {
	{ "spin", attack_spin },
	{ "sysregs", attack_sysregs },
	{ "smccc", attack_smccc },
	{ "psci_bad_entry", attack_psci_bad_entry },
	{ "psci_storm", attack_psci_storm },
	{ "reset_loop", attack_reset },
	{ "reset_spin", attack_reset },
	{ "reset_hvc", attack_reset },
	{ "reset_both", attack_reset },
	{ "ipa", attack_ipa },
	{ "setway", attack_setway },
	{ "mmio", attack_mmio },
	{ "vgic_regs", attack_vgic_regs },
	{ "sgi_flood", attack_sgi_flood },
	{ "lr_noack", attack_lr_noack },
	{ "lr_ack", attack_lr_ack },
	{ "timer_storm", attack_timer_storm },
	{ "timer_cval_max", attack_timer_storm },
	{ "timer_wfi_disabled", attack_timer_wfi_disabled },
	{ "exc_unmapped", attack_exc },
	{ "exc_fault", attack_exc },
	{ "exc_undef", attack_exc },
	{ "race_gicd", attack_race_gicd },
	{ "ipi_unstarted", attack_ipi_unstarted },
	{ "virtio", attack_virtio },
	{ "its", attack_its },
};

int main(void)
{
	u64 until_ms = 2000, seed = 0;

	bootarg_str("case", mode, sizeof(mode));
	bootarg_u64("until_ms", &until_ms);
	if (bootarg_u64("seed", &seed) && seed)
		rng = seed;
	deadline = ticks_per_sec() / 1000 * until_ms;
	set_exception_handler(on_exception);
	for (unsigned i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		if (!strcmp(mode, attacks[i].name)) {
			if (!prefix(mode, "reset_"))
				gprintf("hostile %s until %llu ms\n", mode, (unsigned long long)until_ms);
			attacks[i].fn();
			gprintf("hostile %s done, %llu exceptions taken\n", mode,
				(unsigned long long)exc_total);
			return 0;
		}
	}
	check(false, "unknown case '%s'", mode);
	return 0;
}
