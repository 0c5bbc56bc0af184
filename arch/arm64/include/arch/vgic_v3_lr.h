/*
 * GICv3 list-register encoding (ICH_LR<n>_EL2, GICv3 spec 12.5.10): pure
 * bit packing, inline because every list-register write on the exit path
 * goes through it; host tests check it and the arch fake uses it.
 */
#ifndef ARCH_VGIC_V3_LR_H
#define ARCH_VGIC_V3_LR_H

#include <arch/vgic_lr.h>

/* ICH_LR<n>_EL2 fields (GICv3 spec 12.5.10). */
#define LR_STATE_SHIFT 62
#define LR_HW BIT(61)
#define LR_GROUP1 BIT(60)
#define LR_PRIO_SHIFT 48
#define LR_PINTID_SHIFT 32
#define LR_PINTID_MASK 0x1FFFULL
#define LR_EOI BIT(41) /* only when HW = 0 (then bits 41:32 are not pINTID) */
#define LR_VINTID_MASK 0xFFFFFFFFULL

static inline u64 vgic_v3_encode(const struct vgic_lr *lr)
{
	u64 raw = ((u64)lr->state << LR_STATE_SHIFT) | ((u64)lr->priority << LR_PRIO_SHIFT) |
		(lr->vintid & LR_VINTID_MASK) | (lr->group ? LR_GROUP1 : 0);

	if (lr->hw)
		raw |= LR_HW | ((u64)(lr->pintid & LR_PINTID_MASK) << LR_PINTID_SHIFT);
	else if (lr->eoi_maint)
		raw |= LR_EOI;
	return raw;
}

static inline void vgic_v3_decode(u64 raw, struct vgic_lr *lr)
{
	lr->state = raw >> LR_STATE_SHIFT;
	lr->hw = raw & LR_HW;
	lr->group = (raw & LR_GROUP1) ? 1 : 0;
	lr->priority = (raw >> LR_PRIO_SHIFT) & 0xFF;
	lr->vintid = raw & LR_VINTID_MASK;
	lr->pintid = lr->hw ? (raw >> LR_PINTID_SHIFT) & LR_PINTID_MASK : 0;
	lr->eoi_maint = !lr->hw && (raw & LR_EOI);
}


static inline unsigned vgic_v3_lr_state(u64 raw)
{
	return raw >> LR_STATE_SHIFT;
}

#endif
