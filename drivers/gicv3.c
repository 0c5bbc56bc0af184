/* Minimal physical GICv3 driver (see drivers/gic.h). */
#include <arch/sysreg.h>
#include <drivers/gic.h>
#include <hyparm/errno.h>
#include <hyparm/pcpu.h>

#define GICD_CTLR        0x0000
#define GICD_CTLR_ARE    BIT(4)
#define GICD_CTLR_G1     BIT(1)
#define GICD_CTLR_G0     BIT(0)
#define GICD_CTLR_RWP    BIT(31)

#define GICR_FRAME       0x20000     /* RD_base + SGI_base, 64 KiB each */
#define GICR_TYPER       0x0008
#define GICR_TYPER_LAST  BIT(4)
#define GICR_WAKER       0x0014
#define GICR_WAKER_PSLEEP BIT(1)
#define GICR_WAKER_CASLEEP BIT(2)
#define GICR_SGI         0x10000
#define GICR_IGROUPR0    (GICR_SGI + 0x0080)
#define GICR_ISENABLER0  (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR  (GICR_SGI + 0x0400)

#define ICC_SRE_SRE      BIT(0)
#define ICC_SRE_DFB      BIT(1)
#define ICC_SRE_DIB      BIT(2)
#define ICC_SRE_ENABLE   BIT(3)

#define GICR_ICENABLER0  (GICR_SGI + 0x0180)
#define GICR_ISACTIVER0  (GICR_SGI + 0x0300)
#define GICR_ICACTIVER0  (GICR_SGI + 0x0380)
#define ICC_CTLR_EOIMODE BIT(1)
#define GICD_ISENABLER   0x0100
#define GICD_IGROUPR     0x0080
#define GICD_IPRIORITYR  0x0400
#define GICD_ICFGR       0x0C00
#define GICD_IROUTER     0x6000

static volatile u8 *gicd, *gicr;
static volatile u8 *cpu_redist[MAX_PCPUS];
static u64 gicr_span;

static inline u32 rd32(volatile u8 *base, u64 off) { return *(volatile u32 *)(base + off); }
static inline u64 rd64(volatile u8 *base, u64 off) { return *(volatile u64 *)(base + off); }
static inline void wr32(volatile u8 *base, u64 off, u32 v) { *(volatile u32 *)(base + off) = v; }

int gic_init(paddr_t d, paddr_t r, u64 r_size)
{
	gicd = (volatile u8 *)(uintptr_t)d;
	gicr = (volatile u8 *)(uintptr_t)r;
	gicr_span = r_size;
	wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_G1 | GICD_CTLR_G0);
	while (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP)
		;
	return HV_OK;
}

/* The redistributor frame whose affinity matches mpidr. */
static volatile u8 *find_redist(u64 mpidr)
{
	u32 aff = (u32)(((mpidr >> 32) & 0xFF) << 24 | (mpidr & 0xFFFFFF));

	for (u64 off = 0; off + GICR_FRAME <= gicr_span; off += GICR_FRAME) {
		u64 typer = rd64(gicr, off + GICR_TYPER);
		if ((u32)(typer >> 32) == aff)
			return gicr + off;
		if (typer & GICR_TYPER_LAST)
			break;
	}
	return NULL;
}

int gic_cpu_init(u64 mpidr)
{
	volatile u8 *rd = find_redist(mpidr);

	if (!rd)
		return -HV_ENOENT;
	cpu_redist[this_pcpu()->id] = rd;
	wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	while (rd32(rd, GICR_WAKER) & GICR_WAKER_CASLEEP)
		;
	wr32(rd, GICR_IGROUPR0, ~0u);               /* SGIs and PPIs: group 1 */
	for (unsigned i = 0; i < 32; i += 4)
		wr32(rd, GICR_IPRIORITYR + i, 0x80808080);
	/* The wake-up SGI, hyparm's timer, the vGIC maintenance interrupt, the guest's virtual timer. */
	wr32(rd, GICR_ISENABLER0, BIT(SGI_WAKE) | BIT(26) | BIT(25) | BIT(27));

	/* System-register interface for EL2 and (through the virtual interface) for guests. */
	write_sysreg(S3_4_C12_C9_5, ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE); /* ICC_SRE_EL2 */
	isb();
	write_sysreg(S3_0_C4_C6_0, 0xFF);   /* ICC_PMR_EL1: let every priority through */
	write_sysreg(S3_0_C12_C12_3, 0);    /* ICC_BPR1_EL1 */
	/*
	 * ICC_CTLR_EL1.EOImode = 1: EOIR only drops the priority, DIR
	 * deactivates. An interrupt handed to a guest through a hardware-mapped
	 * list register (the virtual timer) is left active for the guest's
	 * deactivation to complete.
	 */
	write_sysreg(S3_0_C12_C12_4, ICC_CTLR_EOIMODE);
	write_sysreg(S3_0_C12_C12_7, 1);    /* ICC_IGRPEN1_EL1 */
	/* Group 0 (signalled as FIQ: GICD_CTLR.DS=1 on QEMU's virt) carries hyparm's watchdog tick. */
	write_sysreg(S3_0_C12_C12_6, 1);    /* ICC_IGRPEN0_EL1 */
	isb();
	return HV_OK;
}

void gic_send_wake(unsigned cpu)
{
	u64 mpidr = pcpus[cpu].mpidr;
	u64 sgi = ((mpidr >> 32) & 0xFF) << 48 | ((mpidr >> 16) & 0xFF) << 32 |
		  ((mpidr >> 8) & 0xFF) << 16 | (u64)SGI_WAKE << 24 |
		  ((mpidr & 0xF0) >> 4) << 44 | BIT(mpidr & 0xF);

	__asm__ volatile("dsb ishst" ::: "memory");
	write_sysreg(S3_0_C12_C11_5, sgi);  /* ICC_SGI1R_EL1 */
	isb();
}

u32 gic_ack(void)
{
	u32 intid = read_sysreg(S3_0_C12_C12_0) & 0xFFFFFF; /* ICC_IAR1_EL1 */
	dsb(sy);
	return intid;
}

void gic_eoi(u32 intid, bool deactivate)
{
	write_sysreg(S3_0_C12_C12_1, intid);      /* ICC_EOIR1_EL1: priority drop */
	if (deactivate)
		write_sysreg(S3_0_C12_C11_1, intid);  /* ICC_DIR_EL1 */
	isb();
}

void gic_ppi_set_active(unsigned intid, bool active)
{
	volatile u8 *rd = cpu_redist[this_pcpu()->id];

	if (rd)
		wr32(rd, active ? GICR_ISACTIVER0 : GICR_ICACTIVER0, BIT(intid));
}

void gic_ppi_enable(unsigned intid, bool on)
{
	volatile u8 *rd = cpu_redist[this_pcpu()->id];

	if (rd)
		wr32(rd, on ? GICR_ISENABLER0 : GICR_ICENABLER0, BIT(intid));
}

void gic_ppi_make_fiq(unsigned intid, u8 prio)
{
	volatile u8 *rd = cpu_redist[this_pcpu()->id];

	if (!rd)
		return;
	wr32(rd, GICR_IGROUPR0, rd32(rd, GICR_IGROUPR0) & ~BIT(intid));
	*(volatile u8 *)(rd + GICR_IPRIORITYR + intid) = prio;
	wr32(rd, GICR_ISENABLER0, BIT(intid));
}

void gic_spi_enable(unsigned intid, u64 mpidr)
{
	u64 aff = (mpidr & 0xFFFFFF) | ((mpidr >> 32 & 0xFF) << 32);

	*(volatile u64 *)(gicd + GICD_IROUTER + 8 * intid) = aff;
	wr32(gicd, GICD_IGROUPR + intid / 32 * 4, rd32(gicd, GICD_IGROUPR + intid / 32 * 4) | BIT(intid % 32));
	*(volatile u8 *)(gicd + GICD_IPRIORITYR + intid) = 0x80;
	/* Level-sensitive (ICFGR bit 1 = 0). */
	wr32(gicd, GICD_ICFGR + intid / 16 * 4, rd32(gicd, GICD_ICFGR + intid / 16 * 4) & ~(2u << (intid % 16 * 2)));
	wr32(gicd, GICD_ISENABLER + intid / 32 * 4, BIT(intid % 32));
}
