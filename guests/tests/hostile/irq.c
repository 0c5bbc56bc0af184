/*
 * The hostile VM's attacks on interrupts (see guests/tests/hostile.c): the
 * vGIC's registers and list registers, SGIs, the timers, exception loops and
 * races between its two vCPUs.
 */
#include "hostile.h"

/* ---------------- vGIC ---------------- */

static void write_all_regs(u64 base, u64 size)
{
	for (u64 off = 0; off < size; off += off < 0x1000 ? 4 : (off >= 0x6000 && off < 0x8000) ? 8 : 0x80) {
		u64 a = base + off;
		(void)mmio_read32(a);
		if (off >= 0x6000 && off < 0x8000 && base == GICD_BASE)
			mmio_write64(a, rnd() & (rnd() & 1 ? 0x80000000FFULL : ~0ULL));
		else
			mmio_write32(a, (u32)rnd());
	}
}

void attack_vgic_regs(void)
{
	u64 rounds = 0;

	do {
		write_all_regs(GICD_BASE, GUEST_GICD_SIZE);
		for (unsigned cpu = 0; cpu < 3; cpu++) { /* ours, our sibling's (or nothing), one past them */
			write_all_regs(GICR_BASE + cpu * GICR_STRIDE, GICR_SGI_BASE);
			write_all_regs(GICR_BASE + cpu * GICR_STRIDE + GICR_SGI_BASE, GICR_SGI_BASE);
		}
		rounds++;
	} while (!time_up());
	gprintf("vgic_regs: %llu rounds, %llu exceptions\n", (unsigned long long)rounds,
		(unsigned long long)exc_total);
}

static volatile u64 sec_irqs;

static void sec_irq(void)
{
	u32 i;

	while ((i = gic_ack()) != GIC_INTID_SPURIOUS) {
		sec_irqs++;
		gic_eoi(i);
	}
}

void sec_take_irqs(void)
{
	gic_cpu_init();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, true);
	set_irq_handler(sec_irq);
	sec_ready = 1;
	irqs_on();
	for (;;)
		__asm__ volatile("wfi");
}

static void start_sibling(void)
{
	psci_cpu_on(1, secondary_stack_top(1));
	u64 end = now_ticks() + ms_ticks(1000);
	while (!sec_ready && now_ticks() < end)
		cpu_relax();
	check(sec_ready, "vCPU 1 started");
}

static void gic_setup_self(void)
{
	gic_dist_init();
	gic_cpu_init();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, true);
}

void attack_sgi_flood(void)
{
	u64 sent = 0, drained = 0;

	gic_setup_self();
	start_sibling();
	do {
		for (int i = 0; i < 64; i++) {
			gic_send_sgi(i & 15, 1u << 0, false); /* self */
			gic_send_sgi(i & 15, 1u << 1, false); /* sibling */
			gic_send_sgi(i & 15, 0, true); /* everyone else */
			gic_send_sgi(i & 15, 0xFFFF, false); /* vCPUs that do not exist */
			write_sysreg(ICC_SGI1R_EL1, rnd()); /* any affinity, RS, IRM */
			write_sysreg(ICC_ASGI1R_EL1, rnd());
			write_sysreg(ICC_SGI0R_EL1, rnd());
			sent += 7;
		}
		u32 i;
		while ((i = gic_ack()) != GIC_INTID_SPURIOUS) {
			gic_eoi(i);
			drained++;
		}
		/* Bad INTIDs: completing what was never acknowledged. */
		static const u32 bad[] = { 1020, 1021, 1022, 1023, 1024, 5000, 0xFFFFFF, 27, 33 };
		for (unsigned n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
			write_sysreg(ICC_EOIR1_EL1, bad[n]);
			write_sysreg(ICC_DIR_EL1, bad[n]);
		}
		write_sysreg(ICC_EOIR1_EL1, rnd());
		mmio_write32(GICD_BASE + GICD_ISPENDR + 4 * 31, ~0u); /* INTIDs 992..1023 */
		mmio_write32(GICD_BASE + GICD_ISENABLER + 4 * 31, ~0u);
	} while (!time_up());
	gprintf("sgi_flood: %llu SGI writes, %llu taken here, %llu on vCPU 1\n", (unsigned long long)sent,
		(unsigned long long)drained, (unsigned long long)sec_irqs);
	check(sec_irqs > 0, "vCPU 1 took SGIs");
}

/* More pending interrupts than list registers (QEMU has 4). */
#define NR_LR_SPIS 8
static void pend_many(void)
{
	for (unsigned i = 0; i < 16; i++)
		gic_set_pending(i, true);
	for (unsigned i = 0; i < NR_LR_SPIS; i++)
		gic_set_pending(40 + i, true);
}

static void lr_setup(void)
{
	gic_setup_self();
	for (unsigned i = 0; i < NR_LR_SPIS; i++) {
		gic_route(40 + i, 0);
		gic_set_priority(40 + i, 0x80 + 8 * i);
		gic_enable(40 + i, true);
	}
}

void attack_lr_noack(void)
{
	lr_setup();
	pend_many();
	/* Never acknowledged: interrupts masked, spinning and waiting for interrupts in turn. */
	do {
		delay_ms(1);
		__asm__ volatile("wfi");
	} while (!time_up());
	check(gic_is_pending(40), "SPI 40 still pending, never acknowledged");
}

void attack_lr_ack(void)
{
	u64 rounds = 0, taken = 0;

	lr_setup();
	do {
		pend_many();
		u32 i;
		while ((i = gic_ack_wait(1)) != GIC_INTID_SPURIOUS) {
			gic_eoi(i);
			taken++;
		}
		rounds++;
	} while (!time_up());
	gprintf("lr_ack: %llu rounds, %llu interrupts completed\n", (unsigned long long)rounds,
		(unsigned long long)taken);
	check(taken >= rounds * (16 + NR_LR_SPIS) / 2, "most pended interrupts were delivered");
}

/* ---------------- timers ---------------- */

static volatile u64 timer_irqs;

static void storm_irq(void)
{
	u32 i;

	if ((i = gic_ack()) == GIC_INTID_SPURIOUS)
		return;
	/*
	 * Due again at once: CVAL in the past, the timer left on. Our own main
	 * loop gets no instruction in between, so a burst ends after a while
	 * (and at the deadline) with the timer turned off.
	 */
	bool again = ++timer_irqs % 2000 != 0 && !time_up();
	if (i == VTIMER_PPI) {
		write_sysreg(cntv_cval_el0, 0);
		if (!again)
			write_sysreg(cntv_ctl_el0, 0);
	}
	if (i == PTIMER_PPI) {
		write_sysreg(cntp_cval_el0, 0);
		if (!again)
			write_sysreg(cntp_ctl_el0, 0);
	}
	isb();
	gic_eoi(i);
}

void attack_timer_storm(void)
{
	u64 phase = 0, only = ~0ULL;

	bootarg_u64("phase", &only); /* one phase only (debugging) */
	if (!strcmp(mode, "timer_cval_max"))
		only = 4;
	gic_setup_self();
	gic_enable(VTIMER_PPI, true);
	gic_enable(PTIMER_PPI, true);
	set_irq_handler(storm_irq);
	irqs_on();
	do {
		switch (only <= 4 ? only : phase++ % 4) {
		case 0: /* CVAL in the past, both timers */
			write_sysreg(cntv_cval_el0, 0);
			write_sysreg(cntv_ctl_el0, 1);
			write_sysreg(cntp_cval_el0, 0);
			write_sysreg(cntp_ctl_el0, 1);
			break;
		case 1: /* the physical timer at CVAL = ~0: never due (timer_cval_max does the virtual one) */
			write_sysreg(cntp_ctl_el0, 1);
			write_sysreg(cntp_cval_el0, ~0ULL);
			break;
		case 2: /* TVAL negative: already due */
			write_sysreg(cntv_ctl_el0, 1);
			write_sysreg(cntp_ctl_el0, 1);
			write_sysreg(cntv_tval_el0, (u64)-1000000);
			write_sysreg(cntp_tval_el0, (u64)-1000000);
			break;
		case 4: /* timer_cval_max: the virtual timer at CVAL = ~0, never due; CNTVOFF + ~0 wraps */
			write_sysreg(cntv_ctl_el0, 1);
			write_sysreg(cntv_cval_el0, ~0ULL);
			break;
		default: /* a count just before wrap-around relative to CNTVOFF */
			write_sysreg(cntv_cval_el0, ~0ULL - now_ticks() / 2);
			write_sysreg(cntp_cval_el0, ~0ULL - 5);
			break;
		}
		isb();
		delay_ms(20); /* no WFI: with both timers off after a burst, nothing would wake us */
	} while (!time_up());
	irqs_off();
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	gprintf("timer_storm: %llu timer interrupts\n", (unsigned long long)timer_irqs);
	if (only > 4)
		check(timer_irqs > 0, "timer interrupts were delivered");
}

static volatile u64 ptimer_fired;

static void wake_irq(void)
{
	u32 i;

	while ((i = gic_ack()) != GIC_INTID_SPURIOUS) {
		if (i == PTIMER_PPI) {
			write_sysreg(cntp_ctl_el0, 0);
			ptimer_fired++;
		}
		isb();
		gic_eoi(i);
	}
}

/* Asleep in WFI with the virtual timer due but its interrupt disabled in the GIC; the physical timer wakes us. */
void attack_timer_wfi_disabled(void)
{
	u64 wakes = 0;

	gic_setup_self();
	gic_enable(VTIMER_PPI, false);
	gic_enable(PTIMER_PPI, true);
	set_irq_handler(wake_irq);
	write_sysreg(cntv_cval_el0, 0);
	write_sysreg(cntv_ctl_el0, 1); /* due, not masked in the timer */
	write_sysreg(cntp_cval_el0, deadline);
	write_sysreg(cntp_ctl_el0, 1);
	isb();
	irqs_on();
	while (!time_up()) {
		__asm__ volatile("wfi");
		wakes++;
	}
	delay_ms(5); /* the physical timer's interrupt, if the last wake-up came just before it */
	irqs_off();
	write_sysreg(cntv_ctl_el0, 0);
	gprintf("timer_wfi_disabled: %llu wake-ups\n", (unsigned long long)wakes);
	/* Nothing deliverable until the deadline: WFI sleeps, it does not return at once every time. */
	check(wakes <= 50, "WFI slept until the physical timer (%llu wake-ups, bound 50)",
	      (unsigned long long)wakes);
}

/* ---------------- exception loops ---------------- */

static u32 vec_page[512] __attribute__((aligned(4096)));

void attack_exc(void)
{
	if (!strcmp(mode, "exc_unmapped")) {
		/* Vectors where nothing is mapped. */
		write_sysreg(vbar_el1, 0x20000000UL);
	} else {
		/* Vectors in our RAM, each slot an instruction that faults: a load from an unmapped IPA
		 * (exc_fault; hyparm sees each abort) or UDF #0 (exc_undef; a loop inside the guest). */
		u32 insn = !strcmp(mode, "exc_fault") ? 0xF9400020u /* ldr x0, [x1] */ : 0 /* udf #0 */;
		for (unsigned i = 0; i < 512; i++)
			vec_page[i] = insn;
		__asm__ volatile("dsb sy\n ic iallu\n dsb sy\n isb" ::: "memory");
		write_sysreg(vbar_el1, (u64)vec_page);
	}
	isb();
	gprintf("%s: now\n", mode);
	__asm__ volatile("mov x1, #0x20000000\n ldr x0, [x1]\n udf #0" ::: "x0", "x1", "memory");
	check(false, "still alive after the exception loop");
}

/* ---------------- multi-vCPU races ---------------- */

void attack_race_gicd(void)
{
	u64 rounds = 0;

	gic_setup_self();
	for (unsigned i = 40; i < 48; i++) {
		gic_set_priority(i, 0xA0);
		gic_enable(i, true);
	}
	start_sibling();
	do {
		u32 ctlr = rounds % 5 == 4 ? (u32)rnd() : (u32[]){ 0x12, 0x10, 0x2, 0x0 }[rounds % 4];
		mmio_write32(GICD_BASE + GICD_CTLR, ctlr);
		for (unsigned i = 40; i < 48; i++) {
			static const u64 routes[] = { 0, 1, 7, 1ULL << 31, 0xFF00FF };
			gic_route(i, 0);
			mmio_write64(GICD_BASE + GICD_IROUTER + 8 * i, routes[(rounds + i) % 5]);
			gic_set_pending(i, true);
		}
		gic_send_sgi(rounds & 15, 1u << 1, false);
		u32 i;
		while ((i = gic_ack()) != GIC_INTID_SPURIOUS)
			gic_eoi(i);
		rounds++;
	} while (!time_up());
	mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
	gprintf("race_gicd: %llu rounds, vCPU 1 took %llu interrupts\n", (unsigned long long)rounds,
		(unsigned long long)sec_irqs);
	check(sec_irqs > 0, "vCPU 1 took interrupts while the distributor flipped");
}

/* vCPU 1 is never started: it is only a target. */
void attack_ipi_unstarted(void)
{
	u64 sent = 0;

	gic_setup_self();
	for (unsigned i = 40; i < 48; i++) {
		gic_enable(i, true);
		gic_route(i, 1);
	}
	do {
		for (int i = 0; i < 64; i++) {
			gic_send_sgi(i & 15, 1u << 1, false);
			gic_send_sgi(i & 15, 0, true);
			gic_set_pending(40 + (i & 7), true);
			sent += 3;
		}
	} while (!time_up());
	gprintf("ipi_unstarted: %llu SGIs/SPIs to a vCPU that never ran\n", (unsigned long long)sent);
}
