/*
 * The virtual PL031 at GUEST_RTC_IPA: PrimeCell IDs, a counter that shows
 * the wall clock (set from the board's RTC at boot, so after 2024) and
 * advances a second per second, RTCLR moving it, the match interrupt
 * latching in RTCRIS and raising SPI 2 (pending at the distributor), byte
 * reads, and the refusal of partial writes and misaligned reads. On a hyparm without the device every
 * access is an external abort and nothing here passes.
 */
#include "gic.h"
#include "guest.h"

#define RTC GUEST_RTC_IPA
#define DR (RTC + 0x000)
#define MR (RTC + 0x004)
#define LR (RTC + 0x008)
#define CR (RTC + 0x00C)
#define IMSC (RTC + 0x010)
#define RIS (RTC + 0x014)
#define MIS (RTC + 0x018)
#define ICR (RTC + 0x01C)
#define Y2024 1704067200u /* 2024-01-01T00:00:00Z */

static volatile int aborts;

static bool on_abort(struct frame *f, const struct exception *e)
{
	if (((e->esr >> 26) & 0x3F) != 0x25)
		return false;
	aborts++;
	f->elr = e->elr + 4;
	return true;
}

/* Waits until the counter moves off `from`; its new value, or `from` after timeout_ms. */
static u32 next_second(u32 from, u64 timeout_ms)
{
	u64 end = now_ticks() + timeout_ms * ticks_per_sec() / 1000;
	u32 v;

	while ((v = mmio_read32(DR)) == from && now_ticks() < end)
		;
	return v;
}

int main(void)
{
	static const u8 ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	bool ids_ok = true;
	u32 t0, t1, v;

	set_exception_handler(on_abort);
	for (unsigned i = 0; i < 8; i++)
		ids_ok &= mmio_read32(RTC + 0xFE0 + 4 * i) == ids[i];
	check(ids_ok && !aborts, "PrimeCell IDs 0xFE0..0xFFC: PL031 (0x31 0x10 0x14 0x00), cell 0xB105F00D");
	check(mmio_read32(CR) == 1, "RTCCR: started");

	t0 = mmio_read32(DR);
	check(t0 > Y2024, "RTCDR = %u: after 2024-01-01 (the board's clock)", t0);
	t0 = next_second(t0, 1500);
	t1 = next_second(t0, 1500);
	check(t1 == t0 + 1, "the counter advances by one each second (%u then %u)", t0, t1);

	/* RTCLR sets the counter; it goes on counting from there. */
	mmio_write32(LR, 1000);
	v = mmio_read32(DR);
	check(v == 1000 || v == 1001, "after RTCLR = 1000, RTCDR = %u", v);
	check(mmio_read32(LR) == 1000, "RTCLR reads back what was loaded");
	mmio_write32(LR, t1 + 1);

	/* A match one second ahead: RTCRIS latches it, RTCMIS and the GIC see it once unmasked. */
	/* The SPI stays disabled: its pending bit then follows the line alone (no list register holds it). */
	gic_dist_init();
	gic_cpu_init();
	gic_set_edge(GUEST_RTC_INTID, false); /* level-sensitive, as the DT says */
	mmio_write32(ICR, 1);
	v = mmio_read32(DR);
	mmio_write32(MR, v + 1);
	check(mmio_read32(MR) == v + 1, "RTCMR reads back");
	check(mmio_read32(RIS) == 0, "no match before the counter gets there");
	u64 end = now_ticks() + 3 * ticks_per_sec();
	while (!mmio_read32(RIS) && now_ticks() < end)
		;
	check(mmio_read32(RIS) == 1, "RTCRIS set when the counter reaches RTCMR (counter %u, match %u)",
	      mmio_read32(DR), v + 1);
	check(mmio_read32(MIS) == 0 && !gic_is_pending(GUEST_RTC_INTID), "masked: RTCMIS 0, no interrupt");
	mmio_write32(IMSC, 1);
	check(mmio_read32(MIS) == 1 && gic_is_pending(GUEST_RTC_INTID), "unmasked: RTCMIS 1, SPI %u pending",
	      GUEST_RTC_INTID - 32);
	mmio_write32(ICR, 1);
	check(mmio_read32(RIS) == 0 && !gic_is_pending(GUEST_RTC_INTID),
	      "RTCICR clears it and the line drops");
	mmio_write32(IMSC, 0);

	/* Bytes of a register can be read (EDK2 reads the IDs so); writes are whole words, others refused. */
	int n = aborts;
	u8 b;
	__asm__ volatile("ldrb %w0, [%1]" : "=r"(b) : "r"(RTC + 0xFF0) : "memory");
	check(aborts == n && b == 0x0d, "byte read of CellID0: 0x%x", b);
	__asm__ volatile("strh wzr, [%0]" : : "r"(LR) : "memory");
	__asm__ volatile("ldrh %w0, [%1]" : "=r"(b) : "r"(RTC + 0x1) : "memory");
	check(aborts == n + 2, "halfword write, misaligned halfword read: external aborts (%d)", aborts - n);
	return 0;
}
