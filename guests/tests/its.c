/*
 * The virtual ITS and LPIs as a guest sees them (GICv3 only): the guest
 * sets up the LPI configuration and pending tables and the ITS's command
 * queue in its own RAM, maps devices, collections (one per vCPU) and
 * events with MAPD/MAPC/MAPTI, and writes GITS_TRANSLATER to raise MSIs
 * (a vCPU's write is DeviceID 0's). Each LPI must arrive on the vCPU its
 * collection names, and on the other one after MOVI; INT, CLEAR, INV and
 * DISCARD must do what they say; a malformed command must stall the queue
 * with its error, and the guest must get the ITS going again. Run with 2
 * vCPUs. The MMU is off: the tables are plain memory (QEMU has no caches
 * to keep coherent).
 */
#include "gic.h"

#define ITS GUEST_ITS_IPA
#define LPI(n) (GIC_LPI_BASE + (n))
#define NO_IRQ 0xFFFFFFFFu
#define LPI_PRIO 0xA0

static u8 prop_table[0x2000] __attribute__((aligned(0x1000))); /* IDbits 13: LPIs 8192..16383 */
static u8 pend_table[2][0x10000] __attribute__((aligned(0x10000)));
static u64 cmd_queue[0x1000 / 8] __attribute__((aligned(0x1000)));
static u64 device_table[0x1000 / 8] __attribute__((aligned(0x1000)));
static u64 collection_table[0x1000 / 8] __attribute__((aligned(0x1000)));
static u32 cwriter;

/* What each vCPU's IRQ handler saw last, and how many. */
static volatile u32 last_irq[2] = { NO_IRQ, NO_IRQ }, irq_count[2], cpu1_ready;

static inline u64 mmio_read64(u64 addr)
{
	u64 v;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static void irq_handler(void)
{
	unsigned cpu = gic_cpu_index() & 1;
	u32 i = gic_ack();

	if (i == GIC_INTID_SPURIOUS)
		return;
	last_irq[cpu] = i;
	irq_count[cpu]++;
	gic_eoi(i);
}

void secondary_main(void)
{
	gic_cpu_init();
	cpu1_ready = 1;
	irqs_on();
	for (;;)
		__asm__ volatile("wfi");
}

static bool wait_count(unsigned cpu, u32 count, u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;

	while (irq_count[cpu] < count && now_ticks() < end)
		cpu_relax();
	return irq_count[cpu] >= count;
}

static void quiet(u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;

	while (now_ticks() < end)
		cpu_relax();
}

/* Queue one command and move CWRITER past it. */
static void its_cmd(u64 w0, u64 w1, u64 w2, u64 w3)
{
	u64 *c = &cmd_queue[cwriter / 8];

	c[0] = w0;
	c[1] = w1;
	c[2] = w2;
	c[3] = w3;
	__asm__ volatile("dsb sy" ::: "memory");
	cwriter = (cwriter + GITS_CMD_SIZE) % sizeof(cmd_queue);
	mmio_write64(ITS + GITS_CWRITER, cwriter);
}

/* Poll CREADR until it reaches CWRITER (as Linux does): true if done, false if the queue stalled. */
static bool its_done(void)
{
	for (unsigned n = 0; n < 100000; n++) {
		u64 r = mmio_read64(ITS + GITS_CREADR);
		if (r & GITS_CREADR_STALLED)
			return false;
		if (r == cwriter)
			return true;
	}
	return false;
}

static void mapd(u32 dev, unsigned event_bits)
{
	its_cmd(GITS_CMD_MAPD | (u64)dev << 32, event_bits - 1, GITS_CMD_VALID, 0);
}

static void dev_event(u8 op, u32 dev, u32 event, u64 w2)
{
	its_cmd(op | (u64)dev << 32, event, w2, 0);
}

static void msi(u32 event)
{
	mmio_write32(ITS + GITS_TRANSLATER, event);
}

/* A command queue at base (the ITS off meanwhile: CBASER is fixed while it is on), empty. */
static void set_queue(u64 base)
{
	mmio_write32(ITS + GITS_CTLR, 0);
	mmio_write64(ITS + GITS_CBASER, GITS_CBASER_VALID | base);
	cwriter = 0;
	mmio_write64(ITS + GITS_CWRITER, 0);
	mmio_write32(ITS + GITS_CTLR, GITS_CTLR_ENABLED);
}

static void set_lpi(unsigned n, bool enable)
{
	prop_table[n] = LPI_PRIO | 0x2 | (enable ? GIC_LPI_CFG_ENABLE : 0);
	__asm__ volatile("dsb sy" ::: "memory");
}

static void discovery(void)
{
	u32 typer = mmio_read32(guest_gicd_base + GICD_TYPER);
	u64 rtyper = mmio_read64(guest_gicr_base + GICR_TYPER);
	u64 ityper = mmio_read64(ITS + GITS_TYPER);

	check(typer & GICD_TYPER_LPIS, "GICD_TYPER.LPIS (0x%x)", typer);
	check(((typer >> GICD_TYPER_IDBITS_SHIFT) & 0x1F) >= 13, "GICD_TYPER.IDbits allow LPIs");
	check(rtyper & GICR_TYPER_PLPIS, "GICR_TYPER.PLPIS");
	check((mmio_read32(ITS + GITS_PIDR2) & 0xF0) == 0x30, "GITS_PIDR2: a GICv3 ITS");
	check((ityper & GITS_TYPER_PHYSICAL) && ((ityper >> GITS_TYPER_DEVBITS_SHIFT) & 0x1F) >= 1,
	      "GITS_TYPER: physical LPIs, DeviceIDs (0x%llx)", (unsigned long long)ityper);
}

static void setup_tables(void)
{
	for (unsigned i = 0; i < 2; i++) {
		u64 rd = guest_gicr_base + i * GICR_STRIDE;
		mmio_write64(rd + GICR_PROPBASER, (u64)(uintptr_t)prop_table | 13);
		/* vCPU 0's table says LPI 3 is pending already: it must arrive once an event maps to it. */
		if (i == 0)
			pend_table[0][LPI(3) / 8] = 1u << (LPI(3) % 8);
		mmio_write64(rd + GICR_PENDBASER, (u64)(uintptr_t)pend_table[i]);
		mmio_write32(rd + GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
		check(mmio_read32(rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS, "vCPU %u: EnableLPIs", i);
	}
	for (unsigned n = 0; n < 8; n++)
		set_lpi(n, true);
	/* The tables: keep the Type and Entry_Size the ITS gives, add address and Valid. */
	u64 b0 = mmio_read64(ITS + GITS_BASER0), b1 = mmio_read64(ITS + GITS_BASER0 + 8);
	mmio_write64(ITS + GITS_BASER0, b0 | GITS_BASER_VALID | (u64)(uintptr_t)device_table);
	mmio_write64(ITS + GITS_BASER0 + 8, b1 | GITS_BASER_VALID | (u64)(uintptr_t)collection_table);
	check(mmio_read64(ITS + GITS_BASER0) == (b0 | GITS_BASER_VALID | (u64)(uintptr_t)device_table),
	      "GITS_BASER0 keeps the device table");
	set_queue((u64)(uintptr_t)cmd_queue);
	check(mmio_read32(ITS + GITS_CTLR) & GITS_CTLR_ENABLED, "ITS enabled");
}

static void delivery(void)
{
	/* Device 0 (the vCPUs' own writes): events 0 -> LPI 0 on collection 0, 1 -> LPI 1 on 1. Device 1: event 2. */
	mapd(0, 4);
	mapd(1, 4);
	its_cmd(GITS_CMD_MAPC, 0, GITS_CMD_VALID | 0ULL << GITS_CMD_RDBASE_SHIFT | 0, 0);
	its_cmd(GITS_CMD_MAPC, 0, GITS_CMD_VALID | 1ULL << GITS_CMD_RDBASE_SHIFT | 1, 0);
	its_cmd(GITS_CMD_MAPTI, 0 | (u64)LPI(0) << 32, 0, 0);
	its_cmd(GITS_CMD_MAPTI, 1 | (u64)LPI(1) << 32, 1, 0);
	its_cmd(GITS_CMD_MAPTI | 1ULL << 32, 2 | (u64)LPI(2) << 32, 0, 0);
	its_cmd(GITS_CMD_INVALL, 0, 0, 0);
	its_cmd(GITS_CMD_INVALL, 0, 1, 0);
	its_cmd(GITS_CMD_SYNC, 0, 0, 0);
	check(its_done(), "MAPD, MAPC, MAPTI, INVALL, SYNC complete");

	msi(0);
	check(wait_count(0, 1, 200) && last_irq[0] == LPI(0), "MSI event 0: LPI %u on vCPU 0 (got %u)",
	      LPI(0), last_irq[0]);
	msi(1);
	check(wait_count(1, 1, 200) && last_irq[1] == LPI(1), "MSI event 1: LPI %u on vCPU 1 (got %u)",
	      LPI(1), last_irq[1]);
	check(irq_count[0] == 1, "...and not on vCPU 0");

	dev_event(GITS_CMD_MOVI, 0, 0, 1);
	check(its_done(), "MOVI completes");
	msi(0);
	check(wait_count(1, 2, 200) && last_irq[1] == LPI(0), "after MOVI, event 0's LPI arrives on vCPU 1");
	quiet(20);
	check(irq_count[0] == 1, "...and no longer on vCPU 0");

	dev_event(GITS_CMD_INT, 1, 2, 0);
	check(its_done() && wait_count(0, 2, 200) && last_irq[0] == LPI(2), "INT: device 1's LPI on vCPU 0");
}

static void config_and_clear(void)
{
	/* Disabled in the table (INV makes the ITS look): held pending, delivered once enabled again. */
	set_lpi(2, false);
	dev_event(GITS_CMD_INV, 1, 2, 0);
	dev_event(GITS_CMD_INT, 1, 2, 0);
	check(its_done(), "INV, INT complete");
	quiet(30);
	check(irq_count[0] == 2, "a disabled LPI is not delivered");
	set_lpi(2, true);
	dev_event(GITS_CMD_INV, 1, 2, 0);
	check(its_done() && wait_count(0, 3, 200) && last_irq[0] == LPI(2),
	      "enabled again and INV: the pending LPI arrives");

	/* CLEAR takes the pending state away before it was delivered. */
	set_lpi(2, false);
	dev_event(GITS_CMD_INV, 1, 2, 0);
	dev_event(GITS_CMD_INT, 1, 2, 0);
	dev_event(GITS_CMD_CLEAR, 1, 2, 0);
	set_lpi(2, true);
	dev_event(GITS_CMD_INV, 1, 2, 0);
	check(its_done(), "INV, INT, CLEAR, INV complete");
	quiet(30);
	check(irq_count[0] == 3, "CLEAR: nothing delivered");

	/* DISCARD: the event translates to nothing any more. */
	dev_event(GITS_CMD_DISCARD, 0, 1, 0);
	check(its_done(), "DISCARD completes");
	u32 before = irq_count[1];
	msi(1);
	quiet(30);
	check(irq_count[1] == before, "a discarded event raises nothing");
}

static void malformed(void)
{
	u64 at = cwriter;

	/* An LPI beyond the range GICD_TYPER advertises. */
	its_cmd(GITS_CMD_MAPTI, 3 | (u64)LPI(9000) << 32, 0, 0);
	dev_event(GITS_CMD_INT, 1, 2, 0); /* behind it: must wait */
	check(!its_done(), "MAPTI to an LPI out of range: the queue stalls");
	u64 r = mmio_read64(ITS + GITS_CREADR);
	check(r == (at | GITS_CREADR_STALLED), "CREADR stays at the bad command, Stalled (0x%llx)",
	      (unsigned long long)r);
	u32 err = mmio_read32(ITS + GITS_HYP_ERROR);
	check(err == GITS_ERR_MAPTI_PHYSICALID_OOR, "the error: MAPTI PHYSICALID_OOR (0x%x)", err);
	quiet(20);
	u32 before = irq_count[0];
	check(before == 3, "the command behind it has not run");
	/* Fix it (a SYNC in its place) and retry: the INT behind it runs. */
	cmd_queue[at / 8] = GITS_CMD_SYNC;
	__asm__ volatile("dsb sy" ::: "memory");
	mmio_write64(ITS + GITS_CWRITER, cwriter | GITS_CWRITER_RETRY);
	check(its_done() && wait_count(0, before + 1, 200), "CWRITER.Retry: the queue runs on");

	/* An opcode no ITS has. */
	its_cmd(0x42, 0, 0, 0);
	check(!its_done() && mmio_read32(ITS + GITS_HYP_ERROR) == GITS_ERR_UNKNOWN_COMMAND,
	      "an unknown command stalls the queue");
	/* A queue outside RAM. */
	set_queue(0x10000000);
	its_cmd(GITS_CMD_SYNC, 0, 0, 0);
	/* (its_cmd wrote into cmd_queue; the ITS reads 0x10000000, which is no RAM) */
	check(!its_done() && mmio_read32(ITS + GITS_HYP_ERROR) == GITS_ERR_QUEUE_OUTSIDE_RAM,
	      "a command queue outside RAM stalls");
	/* A new queue: everything works again, the mappings kept. */
	set_queue((u64)(uintptr_t)cmd_queue);
	its_cmd(GITS_CMD_SYNC, 0, 0, 0);
	check(its_done(), "a new CBASER: the ITS runs again");
	before = irq_count[1];
	msi(0);
	check(wait_count(1, before + 1, 200) && last_irq[1] == LPI(0), "and MSIs still arrive");
}

static void pending_table(void)
{
	u32 before = irq_count[0];

	its_cmd(GITS_CMD_MAPTI, 4 | (u64)LPI(3) << 32, 0, 0);
	check(its_done(), "MAPTI of LPI 3 completes");
	check(wait_count(0, before + 1, 200) && last_irq[0] == LPI(3),
	      "LPI 3, pending in vCPU 0's pending table at EnableLPIs, arrives once mapped (got %u)",
	      last_irq[0]);
}

int main(void)
{
	if (gic_is_v2) {
		check(true, "a GICv2 host has no ITS: nothing to test");
		return 0;
	}
	gic_dist_init();
	gic_cpu_init();
	set_irq_handler(irq_handler);
	discovery();
	s64 rc = psci_cpu_on(1, secondary_stack_top(1));
	check(rc == 0, "CPU_ON vCPU 1 (%lld)", (long long)rc);
	for (unsigned n = 0; n < 10000000 && !cpu1_ready; n++)
		cpu_relax();
	setup_tables();
	irqs_on();
	delivery();
	config_and_clear();
	malformed();
	pending_table();
	irqs_off();
	return 0;
}
