/*
 * The virtual GIC (v3, or v2 on a GICv2 host) as a guest sees it: SGIs to
 * itself and to another vCPU (and back), an SPI's enable, pending and
 * active state through the distributor, priority masking through the CPU
 * interface's PMR (ICC_PMR_EL1 or GICC_PMR), and level- versus
 * edge-triggered behaviour, with the virtual PL011's TX interrupt (SPI 1,
 * INTID 33) as a line the guest can raise and lower by masking it.
 * Run with 2 vCPUs.
 */
#include "gic.h"

#define UART_IMSC (UART_BASE + 0x38)
#define UART_TXIM (1u << 5)
#define UART_INTID GUEST_UART_INTID
#define TEST_SPI 40
#define TEST_SPI2 41

/* Shared with vCPU 1 (the MMU is off: plain memory, no caches to keep coherent). */
static volatile u32 cpu1_ready, cpu1_got, cpu1_count, cpu0_got, cpu0_count;

static void cpu0_irq(void)
{
	u32 i = gic_ack();
	if (i == GIC_INTID_SPURIOUS)
		return;
	cpu0_got = i;
	cpu0_count++;
	gic_eoi(i);
}

static void irq_dispatch(void);

static void cpu1_irq(void)
{
	u32 i = gic_ack();
	if (i == GIC_INTID_SPURIOUS)
		return;
	cpu1_got = i;
	cpu1_count++;
	gic_eoi(i);
	if (i == 3)
		gic_send_sgi(4, 1u << 0, false); /* answer vCPU 0: the round trip */
}

void secondary_main(void)
{
	gic_cpu_init();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, true);
	cpu1_ready = 1;
	irqs_on();
	for (;;)
		__asm__ volatile("wfi");
}

static void irq_dispatch(void)
{
	if (gic_cpu_index() == 0)
		cpu0_irq();
	else
		cpu1_irq();
}

static bool wait_for(volatile u32 *what, u32 value, u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	while (*what != value && now_ticks() < end)
		cpu_relax();
	return *what == value;
}

static void sgi_tests(void)
{
	u32 i;

	/* To self, polled with interrupts masked. */
	gic_send_sgi(1, 1u << 0, false);
	i = gic_ack_wait(100);
	check(i == 1, "SGI 1 to self is acknowledged (IAR %u)", i);
	check(gic_is_active(1), "SGI 1 is active after the acknowledge");
	gic_eoi(i);
	check(!gic_is_active(1) && !gic_is_pending(1), "SGI 1 is neither active nor pending after EOI");
	check(gic_ack() == GIC_INTID_SPURIOUS, "nothing else pending");

	/* To self, taken through the vector. */
	set_irq_handler(irq_dispatch);
	irqs_on();
	gic_send_sgi(2, 1u << 0, false);
	check(wait_for(&cpu0_count, 1, 200) && cpu0_got == 2, "SGI 2 to self reaches the IRQ vector");
	irqs_off();

	/* To vCPU 1 and back. */
	s64 r = psci_cpu_on(1, secondary_stack_top(1));
	check(r == 0, "CPU_ON vCPU 1 = %lld", (long long)r);
	check(wait_for(&cpu1_ready, 1, 2000), "vCPU 1 set up its redistributor");
	irqs_on();
	gic_send_sgi(3, 1u << 1, false);
	check(wait_for(&cpu1_count, 1, 1000) && cpu1_got == 3, "SGI 3 to vCPU 1 arrives there (got %u)",
	      cpu1_got);
	check(wait_for(&cpu0_count, 2, 1000) && cpu0_got == 4,
	      "vCPU 1's SGI 4 back to vCPU 0 arrives (got %u)", cpu0_got);
	/* IRM: everyone but the sender. */
	gic_send_sgi(5, 0, true);
	check(wait_for(&cpu1_count, 2, 1000) && cpu1_got == 5, "broadcast SGI 5 reaches vCPU 1");
	delay_ms(20);
	check(cpu0_count == 2, "broadcast SGI 5 does not come back to the sender");
	irqs_off();
}

static void spi_state_tests(void)
{
	u32 i;

	gic_set_priority(TEST_SPI, 0xA0);
	gic_route(TEST_SPI, 0);
	gic_set_edge(TEST_SPI, true);
	gic_enable(TEST_SPI, false);
	check(!gic_is_pending(TEST_SPI) && !gic_is_active(TEST_SPI), "SPI %u starts idle", TEST_SPI);

	gic_set_pending(TEST_SPI, true);
	check(gic_is_pending(TEST_SPI), "ISPENDR makes SPI %u pending", TEST_SPI);
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "a disabled pending SPI is not delivered");
	gic_set_pending(TEST_SPI, false);
	check(!gic_is_pending(TEST_SPI), "ICPENDR clears it");
	gic_enable(TEST_SPI, true);
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "enabled but no longer pending: nothing delivered");

	gic_set_pending(TEST_SPI, true);
	i = gic_ack_wait(100);
	check(i == TEST_SPI, "enabled and pending: delivered (IAR %u)", i);
	check(gic_is_active(TEST_SPI) && !gic_is_pending(TEST_SPI), "after acknowledge: active, not pending");
	gic_set_pending(TEST_SPI, true);
	check(gic_is_active(TEST_SPI) && gic_is_pending(TEST_SPI),
	      "pending again while active: both bits set");
	gic_eoi(i);
	i = gic_ack_wait(100);
	check(i == TEST_SPI, "after EOI the second edge is delivered (IAR %u)", i);
	gic_eoi(i);
	check(!gic_is_active(TEST_SPI) && !gic_is_pending(TEST_SPI), "after EOI: idle");

	/* ICACTIVER on an acknowledged interrupt deactivates it. */
	gic_set_pending(TEST_SPI, true);
	i = gic_ack_wait(100);
	check(i == TEST_SPI, "delivered again (IAR %u)", i);
	gic_set_active(TEST_SPI, false);
	check(!gic_is_active(TEST_SPI), "ICACTIVER clears the active state");
	gic_eoi(i); /* the priority drop */
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "nothing left after ICACTIVER");
	gic_enable(TEST_SPI, false);
}

static void priority_tests(void)
{
	u32 i;

	gic_set_priority(TEST_SPI2, 0xC0);
	gic_route(TEST_SPI2, 0);
	gic_enable(TEST_SPI2, true);
	gic_set_pmr(0x80);
	gic_set_pending(TEST_SPI2, true);
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "priority 0xc0 is masked by PMR 0x80");
	gic_set_pmr(0xFF);
	i = gic_ack_wait(100);
	check(i == TEST_SPI2, "PMR 0xff lets it through (IAR %u)", i);
	/* While it is active at 0xc0, a more urgent interrupt preempts; an equal one waits. */
	gic_set_priority(TEST_SPI, 0xC0);
	gic_route(TEST_SPI, 0);
	gic_enable(TEST_SPI, true);
	gic_set_pending(TEST_SPI, true);
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "equal priority does not preempt the active one");
	gic_eoi(i);
	i = gic_ack_wait(100);
	check(i == TEST_SPI, "it is delivered after the EOI (IAR %u)", i);
	gic_eoi(i);
	gic_enable(TEST_SPI, false);
	gic_enable(TEST_SPI2, false);
}

static unsigned count_deliveries(unsigned intid, unsigned max)
{
	unsigned n = 0;
	u32 i;

	while (n < max && (i = gic_ack_wait(20)) == intid) {
		n++;
		gic_eoi(i);
	}
	return n;
}

static void trigger_tests(void)
{
	gic_set_priority(UART_INTID, 0xA0);
	gic_route(UART_INTID, 0);
	gic_enable(UART_INTID, true);

	/* Level: the TX interrupt stays asserted while it is unmasked in the UART. */
	gic_set_edge(UART_INTID, false);
	mmio_write32(UART_IMSC, UART_TXIM);
	unsigned n = count_deliveries(UART_INTID, 3);
	check(n == 3, "level: delivered again after each EOI while the line is high (%u of 3)", n);
	mmio_write32(UART_IMSC, 0);
	check(gic_ack_wait(20) == GIC_INTID_SPURIOUS, "level: nothing once the device lowers the line");

	/* Edge: one delivery per rising edge, however long the line stays high. */
	gic_set_edge(UART_INTID, true);
	mmio_write32(UART_IMSC, UART_TXIM);
	check(count_deliveries(UART_INTID, 3) == 1, "edge: one delivery for one rising edge");
	mmio_write32(UART_IMSC, 0);
	mmio_write32(UART_IMSC, UART_TXIM);
	check(count_deliveries(UART_INTID, 3) == 1, "edge: a new rising edge, a new delivery");
	mmio_write32(UART_IMSC, 0);
	gic_enable(UART_INTID, false);
}

int main(void)
{
	u32 iidr = mmio_read32(GICD_BASE + GICD_IIDR);

	check(iidr != 0, "GICD_IIDR = 0x%x", iidr);
	gic_dist_init();
	gic_cpu_init();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, true);
	sgi_tests();
	spi_state_tests();
	priority_tests();
	trigger_tests();
	return 0;
}
