/*
 * The GICv2 list-register backend (see arch/vgic_lr.h): the virtual
 * interface control frame GICH (GICH_LR<n>, GICH_HCR, GICH_VMCR,
 * GICH_APR, GICH_ELRSR0) as MMIO. The frame is banked: each CPU reaches
 * its own interface at the same address, as with the ICH_* system
 * registers of a GICv3. Raw moves only; the policy is vdev/vgic/vgic_lr.c.
 */
#include <arch/vgic_lr.h>
#include <arch/vgic_v2_lr.h>
#include <hyparm/gic_regs.h>

static volatile u8 *gich;

static inline u32 rd(u64 off)
{
	return *(volatile u32 *)(gich + off);
}
static inline void wr(u64 off, u32 v)
{
	*(volatile u32 *)(gich + off) = v;
}

static unsigned v2_count(void)
{
	return (rd(GICH_VTR) & GICH_VTR_LISTREGS_MASK) + 1;
}

static void v2_write(unsigned i, const struct vgic_lr *lr)
{
	wr(GICH_LR0 + 4 * i, lr ? vgic_v2_encode(lr) : 0);
}

static unsigned v2_read_state(unsigned i)
{
	return vgic_v2_lr_state(rd(GICH_LR0 + 4 * i));
}

/* The model uses at most VGIC_MAX_LRS (16) list registers: ELRSR0 covers them. */
static u32 v2_empty(void)
{
	return rd(GICH_ELRSR0);
}

static void v2_set_hcr(u32 hcr)
{
	wr(GICH_HCR, hcr); /* En and UIE sit where ICH_HCR_EL2 has them */
}

/* GICv2 has one active-priorities register for the virtual interface (32 priority levels). */
static void v2_save(struct vgic_cpuif *s)
{
	s->vmcr = rd(GICH_VMCR);
	s->ap0r[0] = rd(GICH_APR);
}

static void v2_restore(const struct vgic_cpuif *s)
{
	wr(GICH_VMCR, (u32)s->vmcr);
	wr(GICH_APR, s->ap0r[0]);
}

static void v2_cpu_init(void)
{
	for (unsigned i = 0; i < v2_count(); i++)
		wr(GICH_LR0 + 4 * i, 0);
	wr(GICH_APR, 0);
	v2_set_hcr(VGIC_HCR_EN);
}

static struct vgic_lr_backend vgic_v2_backend = {
	.name = "GICv2 (GICH MMIO)",
	.version = 2,
	.count = v2_count,
	.write = v2_write,
	.read_state = v2_read_state,
	.empty = v2_empty,
	.set_hcr = v2_set_hcr,
	.save = v2_save,
	.restore = v2_restore,
	.cpu_init = v2_cpu_init,
};

const struct vgic_lr_backend *vgic_v2_probe(const struct vgic_hw *hw)
{
	/* Without the virtualization extension's frames there is nothing to drive. */
	if (!hw->gich_base || !hw->gicv_base || hw->gicv_size < 0x1000)
		return NULL;
	gich = (volatile u8 *)(uintptr_t)hw->gich_base;
	vgic_v2_backend.maint_intid = hw->maint_intid;
	vgic_v2_backend.gicv_base = hw->gicv_base;
	/* The guest's GICC: 8 KiB (GICC_DIR is in the second page) where the frame has them. */
	vgic_v2_backend.gicv_size = hw->gicv_size < GICC_SIZE ? 0x1000 : GICC_SIZE;
	return &vgic_v2_backend;
}
