/*
 * GICv2 CPU-interface frames as the device tree gives them, and as they
 * really are (see drivers/gic.h). Apart from drivers/gicv2.c so that it
 * runs in a host unit test (tests/unit/test_gicv2_frame.c).
 */
#include <arch/mmu.h>
#include <drivers/gic.h>
#include <hyparm/gic_regs.h>

static inline u32 rd32(volatile u8 *base, u64 off)
{
	return *(volatile u32 *)(base + off);
}

/*
 * Where the 8 KiB CPU-interface frame (GICC, or GICV: the same layout)
 * really is. A GIC-400 integrated with 64 KiB spacing (Xilinx ZynqMP:
 * the DT gives the frame 128 KiB) repeats page 0 over the first 64 KiB
 * and page 1 over the second, so page 1 (GICC_DIR) is at +0x10000, not
 * +0x1000, and a write meant for GICC_DIR at +0x1000 lands on GICC_CTLR.
 * The last copy of page 0, at +0xF000, is followed directly by page 1:
 * that is the frame. Such a layout shows as the same IIDR at 0xFC and at
 * 0xF0FC (a copy); without the copies 0xF0FC is reserved and reads 0.
 * Maps what it reads for EL2.
 */
paddr_t gicv2_cpuif_frame(paddr_t base, u64 size)
{
	volatile u8 *f = (volatile u8 *)(uintptr_t)base;
	const u64 alias_step = 0x10000, last_copy = alias_step - 0x1000;

	if (!base || size < 2 * alias_step)
		return base;
	mmu_map(base, alias_step + 0x1000, EL2_DEVICE);
	u32 iidr = rd32(f, GICC_IIDR);
	return iidr && rd32(f, last_copy + GICC_IIDR) == iidr ? base + last_copy : base;
}
