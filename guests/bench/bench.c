/*
 * hyparm's micro-benchmark guest. The same raw binary runs under hyparm,
 * under Linux KVM (tools/kvm-runner) and natively on QEMU, and times each
 * operation with the virtual counter (ISB on both sides of every read).
 *
 * Output, one line per operation, parsed by tools/bench.py:
 *   BENCH <name> min=<ns> avg=<ns> n=<samples>
 * Operations that the platform cannot do are reported as
 *   BENCH <name> skipped <why>
 * Boot arguments: iters=N (samples per operation, default 2000); native=1
 * when no hypervisor is below (bare QEMU): an HVC would be undefined there;
 * only=NAME runs only that operation (only=none: none), so that
 * tools/profile.py can count what one operation costs.
 *
 * Cheap operations are timed in batches of BATCH so that the counter's
 * resolution (16 ns at QEMU's 62.5 MHz) does not dominate; min and avg are
 * per operation. The batch loop's own cost is measured ("timer overhead")
 * and subtracted.
 */
/*
 * Its figures are hyparm's exit paths: the GICv3 helpers alone, as before
 * GICv2 support. bench-anygic.bin is the same source built with
 * BENCH_ANY_GIC: both GICs' helpers, chosen by the guest's device tree, for
 * hosts whose guests get a virtual GICv2 (the ZCU102 rows of make bench).
 */
#ifndef BENCH_ANY_GIC
#define GUEST_GIC_V3_ONLY
#endif
#include "gic.h"

#define BATCH 8
#define SGI_PING 1
#define SGI_PONG 2
#define VTIMER_PPI GUEST_VTIMER_INTID
/* PL011 register offsets (the UART is wherever the DTB says: guest_uart_base). */
#define UART_FR 0x18
#define UART_ILPR 0x20
#define SMCCC_UNKNOWN 0x87000000u /* owner 7 (reserved): no service answers it, under hyparm, KVM or Xen */

static u64 iters = 2000;
static char only[40]; /* "" = every operation */

static bool want(const char *name)
{
	const char *a = only, *b = name;

	if (!only[0])
		return true;
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}
static u64 freq;
static u64 overhead_ticks; /* ticks of one empty batch, per operation, scaled by 1000 */

static inline u64 ticks(void)
{
	u64 t;
	__asm__ volatile("isb\n mrs %0, cntvct_el0\n isb" : "=r"(t)::"memory");
	return t;
}

static u64 to_ns(u64 t_milli) /* ticks * 1000 -> ns */
{
	return t_milli * 1000000ULL / freq;
}

struct stat {
	u64 min, sum, n; /* in ticks * 1000 per operation */
};

static void stat_add(struct stat *s, u64 v)
{
	if (!s->n || v < s->min)
		s->min = v;
	s->sum += v;
	s->n++;
}

static void report(const char *name, const struct stat *s, bool subtract)
{
	u64 min = s->min, avg = s->n ? s->sum / s->n : 0;
	if (subtract) {
		min = min > overhead_ticks ? min - overhead_ticks : 0;
		avg = avg > overhead_ticks ? avg - overhead_ticks : 0;
	}
	gprintf("BENCH %s min=%llu avg=%llu n=%llu\n", name, (unsigned long long)to_ns(min),
		(unsigned long long)to_ns(avg), (unsigned long long)s->n);
}

/*
 * A data abort taken while an operation is timed: the platform does not
 * implement that register (Xen's vpl011 has no ILPR, it injects an abort).
 * The access is stepped over and the operation reported as skipped; where
 * nothing aborts (hyparm, KVM, bare QEMU) this costs nothing in the loop.
 */
static volatile u64 aborted_far;

static bool on_abort(struct frame *f, const struct exception *e)
{
	if ((e->esr >> 26) != 0x25) /* EC: data abort from the current EL */
		return false;
	aborted_far = e->far;
	f->elr += 4;
	return true;
}

/* Time `op` in batches; each sample is one batch divided by BATCH. */
#define TIME_BATCHED(name, op) \
	do { \
		struct stat st = { 0 }; \
		if (!want(name)) \
			break; \
		aborted_far = 0; \
		for (u64 _i = 0; _i < iters && !aborted_far; _i++) { \
			u64 _t0 = ticks(); \
			for (unsigned _b = 0; _b < BATCH; _b++) { \
				op; \
			} \
			stat_add(&st, (ticks() - _t0) * 1000 / BATCH); \
		} \
		if (aborted_far) \
			gprintf("BENCH %s skipped data abort at 0x%llx (not implemented here)\n", name, \
				(unsigned long long)aborted_far); \
		else \
			report(name, &st, true); \
	} while (0)

static void measure_overhead(void)
{
	struct stat st = { 0 };
	for (u64 i = 0; i < iters; i++) {
		u64 t0 = ticks();
		for (unsigned b = 0; b < BATCH; b++)
			__asm__ volatile("" ::: "memory");
		stat_add(&st, (ticks() - t0) * 1000 / BATCH);
	}
	overhead_ticks = st.min;
	report("timer_overhead", &st, false);
}

/* ---- exits ---- */

static inline void null_hvc(void)
{
	register u64 x0 __asm__("x0") = SMCCC_UNKNOWN;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

static inline u64 trapped_sysreg(void)
{
	/* ID_AA64MMFR0_EL1: trapped by HCR_EL2.TID3 under both hypervisors (sanitised ID view). */
	u64 v;
	__asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(v)::"memory");
	return v;
}

/* ---- virtual IPI: vCPU 0 pings vCPU 1, which pongs back from its handler ---- */

static volatile u32 pongs, cpu1_ready, cpu1_sleeps;

static void irq_handler(void)
{
	u32 i = gic_ack();
	if (i == GIC_INTID_SPURIOUS)
		return;
	gic_eoi(i);
	if (i == SGI_PING)
		gic_send_sgi(SGI_PONG, 1u << 0, false);
	else if (i == SGI_PONG)
		pongs++;
}

static volatile u64 timer_fired_at;
static volatile u32 timer_fired;

static void timer_irq_handler(void)
{
	u32 i = gic_ack();
	if (i == GIC_INTID_SPURIOUS)
		return;
	if (i == VTIMER_PPI) {
		timer_fired_at = ticks();
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		timer_fired++;
	}
	gic_eoi(i);
}

void secondary_main(void)
{
	gic_cpu_init();
	gic_enable(SGI_PING, true);
	irqs_on();
	cpu1_ready = 1;
	for (;;) {
		if (cpu1_sleeps)
			__asm__ volatile("wfi");
		else
			cpu_relax();
	}
}

static bool wait_u32(volatile u32 *p, u32 v, u64 ms)
{
	u64 end = ticks() + freq / 1000 * ms;
	while (*p < v && ticks() < end)
		cpu_relax();
	return *p >= v;
}

static void bench_ipi(bool target_sleeps)
{
	const char *name = target_sleeps ? "ipi_roundtrip_target_wfi" : "ipi_roundtrip";
	struct stat st = { 0 };
	u64 n = iters / 4 ? iters / 4 : 1;

	cpu1_sleeps = target_sleeps;
	for (u64 i = 0; i < n; i++) {
		u32 want = pongs + 1;
		u64 t0 = ticks();
		gic_send_sgi(SGI_PING, 1u << 1, false);
		if (!wait_u32(&pongs, want, 1000)) {
			gprintf("BENCH %s skipped no answer from vCPU 1\n", name);
			return;
		}
		stat_add(&st, (ticks() - t0) * 1000);
	}
	report(name, &st, false);
}

static void bench_eoi_ack(void)
{
	struct stat st = { 0 };

	irqs_off();
	for (u64 i = 0; i < iters; i++) {
		gic_send_sgi(3, 1u << 0, false); /* pending in a list register when we are back */
		u64 t0 = ticks();
		u32 intid = gic_ack();
		gic_eoi(intid);
		u64 t = ticks() - t0;
		if (intid != 3) {
			gprintf("BENCH virtual_eoi_ack skipped acknowledged %u, not SGI 3\n", intid);
			irqs_on();
			return;
		}
		stat_add(&st, t * 1000);
	}
	irqs_on();
	report("virtual_eoi_ack", &st, false);
}

static void bench_timer_latency(void)
{
	struct stat st = { 0 };
	u64 n = iters / 10 ? iters / 10 : 1;

	set_irq_handler(timer_irq_handler);
	gic_enable(VTIMER_PPI, true);
	for (u64 i = 0; i < n; i++) {
		u32 want = timer_fired + 1;
		u64 cval = ticks() + freq / 20000; /* 50 us ahead */
		write_sysreg(cntv_cval_el0, cval);
		write_sysreg(cntv_ctl_el0, 1);
		isb();
		if (!wait_u32(&timer_fired, want, 1000)) {
			gprintf("BENCH vtimer_latency skipped the timer did not fire\n");
			break;
		}
		stat_add(&st, (timer_fired_at - cval) * 1000);
	}
	gic_enable(VTIMER_PPI, false);
	set_irq_handler(irq_handler);
	if (st.n)
		report("vtimer_latency", &st, false);
}

/* ---- memory: first touch (stage-2 faults where the hypervisor maps lazily) ---- */

static void bench_first_touch(u64 ram_base, u64 ram_size)
{
	/* The upper quarter of RAM: nothing of ours lives there (image, stacks, DTB are low; the
	 * KVM runner's DTB is in the last 64 KiB, which we stay clear of). */
	u64 start = ram_base + ram_size / 2, pages = ram_size / 4 / 4096;
	struct stat st = { 0 };

	if (pages > 4096)
		pages = 4096;
	for (u64 p = 0; p < pages; p++) {
		volatile u64 *w = (volatile u64 *)(start + p * 4096);
		u64 t0 = ticks();
		*w = p;
		stat_add(&st, (ticks() - t0) * 1000);
	}
	report("first_touch_page", &st, false);
}

/* ---- CPU- and memory-bound loops: natively comparable ---- */

static void bench_cpu_loop(void)
{
	struct stat st = { 0 };
	u64 x = 88172645463325252ULL;

	for (u64 i = 0; i < iters / 10 + 1; i++) {
		u64 t0 = ticks();
		for (unsigned k = 0; k < 1000; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		stat_add(&st, (ticks() - t0)); /* per 1000 iterations = per iteration * 1000 */
	}
	__asm__ volatile("" : : "r"(x));
	report("cpu_loop_iteration", &st, false);
}

static void bench_mem_loop(u64 base, u64 size)
{
	struct stat st = { 0 };
	volatile u64 *buf = (volatile u64 *)base;
	u64 words = size / 8, sum = 0;

	for (u64 r = 0; r < 8; r++) {
		u64 t0 = ticks();
		for (u64 i = 0; i < words; i += 8) /* one word per 64-byte line */
			sum += buf[i];
		stat_add(&st, (ticks() - t0) * 1000 / (words / 8));
	}
	__asm__ volatile("" : : "r"(sum));
	report("mem_loop_line", &st, false);
}

/* ---- TLB-miss-bound loop with the guest's own stage 1 on ---- */

#define PTE_VALID 1ULL
#define PTE_TABLE 3ULL /* table (levels 1-2) or page (level 3) */
#define PTE_AF (1ULL << 10)
#define PTE_SH_IN (3ULL << 8)
#define PTE_ATTR(i) ((u64)(i) << 2) /* MAIR index: 0 device, 1 normal write-back */
#define PTE_XN (3ULL << 53)

/*
 * Identity-map the first GiB (devices, 1 GiB block) and the second (RAM): its
 * first 64 MiB with 4 KiB pages, the rest with 2 MiB blocks, so that the
 * loop's pages each need their own TLB entry and a full walk on a miss;
 * every step of that walk is itself translated by stage 2, which is where
 * the hypervisor's block mappings pay off. Tables live at tables_pa.
 */
static void mmu_on(u64 tables_pa)
{
	u64 *l1 = (u64 *)tables_pa, *l2 = l1 + 512, *l3 = l2 + 512;

	for (unsigned i = 0; i < 512 * 34; i++)
		l1[i] = 0;
	l1[0] = 0 | PTE_AF | PTE_ATTR(0) | PTE_XN | PTE_VALID;
	l1[1] = (u64)l2 | PTE_TABLE;
	for (unsigned i = 0; i < 512; i++) {
		u64 pa = RAM_BASE + (u64)i * (2 << 20);
		if (i < 32) {
			l2[i] = (u64)(l3 + 512 * i) | PTE_TABLE;
			for (unsigned j = 0; j < 512; j++)
				l3[512 * i + j] = (pa + (u64)j * 4096) | PTE_AF | PTE_SH_IN | PTE_ATTR(1) |
					PTE_TABLE;
		} else {
			l2[i] = pa | PTE_AF | PTE_SH_IN | PTE_ATTR(1) | PTE_VALID;
		}
	}
	__asm__ volatile("dsb ish\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
	write_sysreg(mair_el1, 0xFF00ULL);
	/* T0SZ 25 (39-bit VA, walk from level 1), WB cacheable, inner shareable, 4 KiB, no TTBR1, 40-bit IPS. */
	write_sysreg(tcr_el1,
		     25ULL | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) | (1ULL << 23) | (2ULL << 32));
	write_sysreg(ttbr0_el1, (u64)l1);
	isb();
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | 1 | (1 << 2) | (1 << 12)); /* M, C, I */
	isb();
}

static void bench_tlb_walk(u64 ram_base, u64 ram_size)
{
	/* Tables at RAM + 16 MiB; the loop walks RAM + 32..48 MiB page by page (inside the 4 KiB-mapped part). */
	u64 tables = ram_base + (16 << 20), area = ram_base + (32 << 20);
	u64 pages = (16 << 20) / 4096, idx = 0, sum = 0;
	struct stat st = { 0 };

	if (ram_base != RAM_BASE || ram_size < (64 << 20) || ram_size > (1ULL << 30)) {
		gprintf("BENCH tlb_walk_access skipped needs 64 MiB..1 GiB of RAM at 0x%llx\n",
			(unsigned long long)RAM_BASE);
		return;
	}
	mmu_on(tables);
	for (u64 r = 0; r < 8; r++) {
		u64 t0 = ticks();
		for (u64 k = 0; k < pages; k++) {
			idx = (idx * 5 + 1) & (pages - 1); /* full-period walk in a scattered order */
			sum += *(volatile u64 *)(area + idx * 4096 + (idx & 63) * 64);
		}
		stat_add(&st, (ticks() - t0) * 1000 / pages);
	}
	__asm__ volatile("" : : "r"(sum));
	report("tlb_walk_access", &st, false);
}

int main(void)
{
	u64 ram_base = RAM_BASE, ram_size = 64 << 20;
	u64 v;

	freq = read_sysreg(cntfrq_el0);
	if (bootarg_u64("iters", &v) && v)
		iters = v;
	bootarg_str("only", only, sizeof(only));
	dtb_memory(&ram_base, &ram_size);
	gprintf("BENCH-START freq=%llu iters=%llu ram=%lluMiB el=%llu\n", (unsigned long long)freq,
		(unsigned long long)iters, (unsigned long long)(ram_size >> 20),
		(unsigned long long)(read_sysreg(CurrentEL) >> 2));

	measure_overhead();
	set_exception_handler(on_abort);
	if (bootarg_u64("native", &v) && v)
		gprintf("BENCH null_hvc skipped no hypervisor\n");
	else
		TIME_BATCHED("null_hvc", null_hvc());
	TIME_BATCHED("sysreg_trap_read", trapped_sysreg());
	/* Local copies: the loops keep the addresses in registers, as they did with constants. */
	const u64 gicd = guest_gicd_base, uart = guest_uart_base;
	TIME_BATCHED("mmio_read_gicd_iidr", mmio_read32(gicd + GICD_IIDR));
	TIME_BATCHED("mmio_write_gicd_ipriorityr", mmio_write8(gicd + GICD_IPRIORITYR + 40, 0xA0));
	TIME_BATCHED("mmio_read_uart_fr", mmio_read32(uart + UART_FR));
	TIME_BATCHED("mmio_write_uart_ilpr", mmio_write32(uart + UART_ILPR, 0));

	gic_dist_init();
	gic_cpu_init();
	gic_enable(SGI_PONG, true);
	gic_enable(3, true);
	set_irq_handler(irq_handler);
	irqs_on();
	if (want("virtual_eoi_ack"))
		bench_eoi_ack();
	s64 on = psci_cpu_on(1, secondary_stack_top(1));
	if (on == 0 && wait_u32(&cpu1_ready, 1, 2000)) {
		if (want("ipi_roundtrip"))
			bench_ipi(false);
		if (want("ipi_roundtrip_target_wfi"))
			bench_ipi(true);
	} else {
		gprintf("BENCH ipi_roundtrip skipped vCPU 1 did not start (CPU_ON %lld)\n", (long long)on);
		gprintf("BENCH ipi_roundtrip_target_wfi skipped vCPU 1 did not start\n");
	}
	if (want("vtimer_latency"))
		bench_timer_latency();
	irqs_off();
	if (want("first_touch_page"))
		bench_first_touch(ram_base, ram_size);
	if (want("cpu_loop_iteration"))
		bench_cpu_loop();
	if (want("mem_loop_line"))
		bench_mem_loop(ram_base + ram_size / 2, ram_size / 4);
	if (want("tlb_walk_access"))
		bench_tlb_walk(ram_base, ram_size); /* last: it leaves the guest's MMU on */
	gprintf("BENCH-END\n");
	psci_system_off();
}
