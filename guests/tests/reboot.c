/*
 * A VM that reboots on command, again and again (tests/integration/
 * test_lifecycle.py, the reboot storm). Every boot it checks that it starts
 * in the reset state, not in the state its previous life left behind: the
 * EL1 registers an OS sets (MMU, translation tables, vectors, thread
 * pointers) as hyparm resets them. Then it leaves its own mark in them, as
 * an OS would: distinct values in each and, with mmu=1 (the default), its
 * MMU and caches on over an identity map. A vCPU that came back with that
 * state would run with its MMU on over tables the reset zeroed, and fault
 * for ever inside EL1, where hyparm never sees it.
 *
 * Then it prints "reboot: ready" and waits for a key on its console: 'r'
 * resets the VM (PSCI SYSTEM_RESET), 'q' prints the RESULT line and powers
 * off. RAM does not survive a reset, so the guest cannot count its boots:
 * whoever types counts them.
 *
 * With every=MS it types nothing: it sleeps MS milliseconds in WFI (its
 * virtual timer wakes it) and resets, for ever (tools/bench.py's
 * reboot-storm row: a job's rate next to a VM that reboots in a loop).
 */
#include "gic.h"
#include "guest.h"
#include "timer.h"

#define PSCI_SYSTEM_RESET 0x84000009
#define UART_FR_RXFE (1u << 4)

/* The marks: each register gets its own non-reset value. */
#define MARK 0x7b00000000000000ULL

/* One level-1 table (4 KiB granule, 4 GiB of VA, 1 GiB blocks): devices below RAM, RAM as normal memory. */
static u64 l1_table[512] __attribute__((aligned(4096)));

#define MAIR_VALUE 0xFF00ULL /* attr 0: Device-nGnRnE; attr 1: Normal, write-back */
/* T0SZ = 32 (4 GiB), IRGN0/ORGN0 = write-back, SH0 = inner, TG0 = 4 KiB, EPD1 (no TTBR1 walks), IPS = 40 bits */
#define TCR_VALUE (32ULL | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) | (1ULL << 23) | (2ULL << 32))
#define BLOCK_AF (1ULL << 10)
#define BLOCK_SH_INNER (3ULL << 8)
#define BLOCK_XN (3ULL << 53) /* PXN, UXN */
#define SCTLR_M (1ULL << 0)
#define SCTLR_C (1ULL << 2)
#define SCTLR_I (1ULL << 12)

static int key(void)
{
	volatile u32 *uart = (volatile u32 *)UART_BASE;

	while (uart[0x18 / 4] & UART_FR_RXFE)
		__asm__ volatile("yield");
	return uart[0] & 0xFF;
}

static void check_reset_state(void)
{
	u64 sctlr = read_sysreg(sctlr_el1);
	unsigned bad = 0;
	struct {
		const char *name;
		u64 val;
	} regs[] = {
		{ "VBAR_EL1", entry_state.vbar_el1 },
		{ "TTBR0_EL1", read_sysreg(ttbr0_el1) },
		{ "TTBR1_EL1", read_sysreg(ttbr1_el1) },
		{ "TCR_EL1", read_sysreg(tcr_el1) },
		{ "MAIR_EL1", read_sysreg(mair_el1) },
		{ "CONTEXTIDR_EL1", read_sysreg(contextidr_el1) },
		{ "TPIDR_EL1", read_sysreg(tpidr_el1) },
		{ "TPIDR_EL0", read_sysreg(tpidr_el0) },
		{ "TPIDRRO_EL0", read_sysreg(tpidrro_el0) },
		{ "SP_EL0", read_sysreg(sp_el0) },
	};

	check(!(sctlr & (SCTLR_M | SCTLR_C | SCTLR_I)), "entered with MMU and caches off (SCTLR_EL1 0x%llx)",
	      (unsigned long long)sctlr);
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i].val && bad++ < 3)
			gprintf("  %s = 0x%llx at entry\n", regs[i].name, (unsigned long long)regs[i].val);
	check(!bad, "EL1 registers at their reset values at entry (%u not)", bad);
	check(entry_state.x[0] == dtb_addr() && dtb_addr(), "x0 = the device tree at entry");
}

/* What an OS leaves behind: its own values everywhere and, with mmu, its MMU on. */
static void leave_marks(bool mmu)
{
	write_sysreg(contextidr_el1, (MARK | 1) & 0xFFFFFFFF);
	write_sysreg(tpidr_el1, MARK | 2);
	write_sysreg(tpidr_el0, MARK | 3);
	write_sysreg(tpidrro_el0, MARK | 4);
	write_sysreg(sp_el0, MARK | 5);
	write_sysreg(ttbr1_el1, MARK | 0x6000);
	if (!mmu) {
		write_sysreg(ttbr0_el1, MARK | 0x7000);
		write_sysreg(mair_el1, MAIR_VALUE);
		write_sysreg(tcr_el1, TCR_VALUE);
		isb();
		return;
	}
	/* Identity map: 0-1 GiB devices (GIC, UART), 1-2 GiB normal memory (our RAM). */
	l1_table[0] = 0x00000000ULL | BLOCK_AF | BLOCK_XN | (0 << 2) | 1;
	l1_table[1] = 0x40000000ULL | BLOCK_AF | BLOCK_SH_INNER | (1 << 2) | 1;
	__asm__ volatile("dsb ish" ::: "memory");
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE);
	write_sysreg(ttbr0_el1, (u64)l1_table);
	isb();
	__asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
	isb();
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
}

int main(void)
{
	u64 mmu = 1;

	bootarg_u64("mmu", &mmu);
	gprintf("reboot: boot\n");
	check_reset_state();
	leave_marks(mmu);
	check((read_sysreg(sctlr_el1) & SCTLR_M) == (mmu ? SCTLR_M : 0), "MMU %s", mmu ? "on" : "left off");
	u64 every = 0;
	if (bootarg_u64("every", &every) && every) {
		gic_dist_init();
		gic_cpu_init();
		gic_set_priority(VTIMER_PPI, 0xA0);
		gic_enable(VTIMER_PPI, true);
		set_irq_handler(timer_irq);
		irqs_on();
		write_sysreg(cntv_tval_el0, timer_ms(every));
		write_sysreg(cntv_ctl_el0, CTL_ENABLE);
		isb();
		timer_wait_fired(1, every + 1000, true);
		hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
		check(false, "SYSTEM_RESET returned");
	}
	for (;;) {
		gprintf("reboot: ready\n");
		switch (key()) {
		case 'r':
			hvc_call(PSCI_SYSTEM_RESET, 0, 0, 0);
			check(false, "SYSTEM_RESET returned");
			break;
		case 'q':
			test_finish();
		}
	}
}
