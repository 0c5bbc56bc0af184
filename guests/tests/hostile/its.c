/*
 * The hostile VM's attack on the virtual ITS and LPIs (see guests/tests/hostile.c):
 * random LPI tables, command queues in RAM, at RAM's end and outside it,
 * queues of random and half-valid commands, random CWRITER/Retry/CBASER
 * writes, random register writes anywhere in the ITS frames and MSIs through
 * GITS_TRANSLATER, with the LPIs that result acknowledged now and then.
 * hyparm must stay up and the honest VM must keep its pace.
 */
#include "hostile.h"

#define ITS GUEST_ITS_IPA

static u64 queue[0x2000 / 8] __attribute__((aligned(0x1000)));
static u8 prop[0x2000] __attribute__((aligned(0x1000)));
static u8 pend[0x10000] __attribute__((aligned(0x10000)));

static inline u64 rd64(u64 addr)
{
	u64 v;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

/* Mostly small IDs (so that commands meet mappings), sometimes anything. */
static u64 small(unsigned bits)
{
	return rnd() & 7 ? rnd() % (1u << bits) : rnd();
}

static const u8 opcodes[] = { GITS_CMD_MAPD, GITS_CMD_MAPC,   GITS_CMD_MAPTI,  GITS_CMD_MAPI,
			      GITS_CMD_MOVI, GITS_CMD_INT,    GITS_CMD_CLEAR,  GITS_CMD_SYNC,
			      GITS_CMD_INV,  GITS_CMD_INVALL, GITS_CMD_MOVALL, GITS_CMD_DISCARD };

static void random_command(u64 *c)
{
	u8 op = rnd() & 15 ? opcodes[rnd() % sizeof(opcodes)] : (u8)rnd();

	c[0] = op | small(3) << 32;
	c[1] = small(4) | (rnd() & 3 ? GIC_LPI_BASE + small(6) : rnd() >> 32) << 32;
	c[2] = small(2) | small(1) << GITS_CMD_RDBASE_SHIFT | (rnd() & 1 ? GITS_CMD_VALID : 0) |
		(rnd() & 7 ? 0 : rnd());
	c[3] = rnd() & 1 ? small(1) << GITS_CMD_RDBASE_SHIFT : rnd();
}

static u64 queue_base(void)
{
	switch (rnd() % 6) {
	case 0:
		return rnd(); /* anything */
	case 1:
		return 0x10000000; /* a hole below RAM */
	case 2:
		return (u64)(uintptr_t)queue + 0x1000; /* its second page runs past our buffer */
	default:
		return (u64)(uintptr_t)queue;
	}
}

void attack_its(void)
{
	u64 rounds = 0, stalls = 0, lpis = 0;
	u64 rd = guest_gicr_base;

	gic_dist_init();
	gic_cpu_init();
	do {
		/* LPI tables: sane or not, then LPIs on (they cannot be turned off again). */
		mmio_write64(rd + GICR_PROPBASER, rnd() & 3 ? (u64)(uintptr_t)prop | 13 : rnd());
		mmio_write64(rd + GICR_PENDBASER, rnd() & 3 ? (u64)(uintptr_t)pend : rnd());
		mmio_write32(rd + GICR_CTLR, (u32)rnd() | GICR_CTLR_ENABLE_LPIS);
		for (unsigned i = 0; i < 64; i++)
			prop[i] = (u8)rnd() | GIC_LPI_CFG_ENABLE;
		/* A queue, full of commands. */
		mmio_write32(ITS + GITS_CTLR, 0);
		mmio_write64(ITS + GITS_CBASER, GITS_CBASER_VALID | queue_base() | (rnd() & 1));
		mmio_write64(ITS + GITS_BASER0, rnd());
		mmio_write64(ITS + GITS_BASER0 + 8, rnd());
		mmio_write32(ITS + GITS_CTLR, GITS_CTLR_ENABLED);
		for (unsigned i = 0; i < sizeof(queue) / 32; i++)
			random_command(&queue[4 * i]);
		__asm__ volatile("dsb sy" ::: "memory");
		for (unsigned k = 0; k < 8; k++) {
			mmio_write64(ITS + GITS_CWRITER, rnd() & 3 ? (rnd() % 0x2000) & ~31ULL : rnd());
			u64 r = rd64(ITS + GITS_CREADR);
			if (r & GITS_CREADR_STALLED) {
				stalls++;
				mmio_write64(ITS + GITS_CWRITER,
					     rd64(ITS + GITS_CWRITER) | GITS_CWRITER_RETRY);
			}
			mmio_write32(ITS + GITS_TRANSLATER, (u32)small(4));
		}
		/* Random registers anywhere in both frames, any size. */
		for (unsigned k = 0; k < 32; k++) {
			u64 off = rnd() & 1 ? (rnd() % 0x200) & ~3ULL : (rnd() % GUEST_ITS_SIZE) & ~7ULL;
			if (rnd() & 1)
				mmio_write64(ITS + off, rnd());
			else
				mmio_write32(ITS + off, (u32)rnd());
			(void)mmio_read32(ITS + off);
		}
		/* Take what arrived (LPIs included), so that list registers drain. */
		for (unsigned k = 0; k < 4; k++) {
			u32 i = read_sysreg(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
			if (i == GIC_INTID_SPURIOUS)
				break;
			lpis += i >= GIC_LPI_BASE;
			write_sysreg(ICC_EOIR1_EL1, i);
		}
		rounds++;
	} while (!time_up());
	gprintf("its: %llu rounds, %llu stalls, %llu LPIs taken, %llu exceptions\n",
		(unsigned long long)rounds, (unsigned long long)stalls, (unsigned long long)lpis,
		(unsigned long long)exc_total);
}
