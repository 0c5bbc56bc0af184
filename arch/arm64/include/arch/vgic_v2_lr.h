/*
 * GICv2 list-register encoding (GICH_LR<n>, GICv2 spec 5.3.11): pure bit
 * packing, like vgic_v3_lr.h; host tests check it and the arch fake can
 * use it.
 */
#ifndef ARCH_VGIC_V2_LR_H
#define ARCH_VGIC_V2_LR_H

#include <arch/vgic_lr.h>

/* GICH_LR<n> fields. */
#define V2_LR_HW 0x80000000u
#define V2_LR_GROUP1 0x40000000u
#define V2_LR_STATE_SHIFT 28
#define V2_LR_PRIO_SHIFT 23 /* 5 bits: priority[7:3] */
#define V2_LR_PRIO_MASK 0x1Fu
#define V2_LR_PINTID_SHIFT 10 /* only when HW = 1 */
#define V2_LR_PINTID_MASK 0x3FFu
#define V2_LR_EOI 0x00080000u /* only when HW = 0 */
#define V2_LR_CPUID_SHIFT 10 /* only when HW = 0: an SGI's source CPU */
#define V2_LR_CPUID_MASK 0x7u
#define V2_LR_VINTID_MASK 0x3FFu

static inline u32 vgic_v2_encode(const struct vgic_lr *lr)
{
	u32 raw = ((u32)lr->state << V2_LR_STATE_SHIFT) |
		((u32)(lr->priority >> 3) & V2_LR_PRIO_MASK) << V2_LR_PRIO_SHIFT |
		(lr->vintid & V2_LR_VINTID_MASK) | (lr->group ? V2_LR_GROUP1 : 0);

	if (lr->hw)
		return raw | V2_LR_HW | (lr->pintid & V2_LR_PINTID_MASK) << V2_LR_PINTID_SHIFT;
	if (lr->eoi_maint)
		raw |= V2_LR_EOI;
	return raw | (lr->source & V2_LR_CPUID_MASK) << V2_LR_CPUID_SHIFT;
}

static inline void vgic_v2_decode(u32 raw, struct vgic_lr *lr)
{
	lr->state = (raw >> V2_LR_STATE_SHIFT) & 3;
	lr->hw = raw & V2_LR_HW;
	lr->group = (raw & V2_LR_GROUP1) ? 1 : 0;
	lr->priority = ((raw >> V2_LR_PRIO_SHIFT) & V2_LR_PRIO_MASK) << 3;
	lr->vintid = raw & V2_LR_VINTID_MASK;
	lr->pintid = lr->hw ? (raw >> V2_LR_PINTID_SHIFT) & V2_LR_PINTID_MASK : 0;
	lr->source = lr->hw ? 0 : (raw >> V2_LR_CPUID_SHIFT) & V2_LR_CPUID_MASK;
	lr->eoi_maint = !lr->hw && (raw & V2_LR_EOI);
}

static inline unsigned vgic_v2_lr_state(u32 raw)
{
	return (raw >> V2_LR_STATE_SHIFT) & 3;
}

#endif
