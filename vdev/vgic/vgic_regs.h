/* Internal to vdev/vgic*.c: the shared per-interrupt register arrays. Caller holds the VM's vgic lock. */
#ifndef VDEV_VGIC_REGS_H
#define VDEV_VGIC_REGS_H

#include <hyparm/types.h>

struct vgic;
struct vcpu;
struct virq;

enum { VGIC_REG_GROUP, VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE };

#define GIC_PIDR2_V3 0x3B /* ArchRev 3 in bits 7:4 */
#define VGIC_IIDR 0x0100043B /* implementer ARM (0x43B), product 1 */

u32 vgic_bits_read(struct vgic *g, struct vcpu *v, unsigned kind, unsigned first);
void vgic_bits_write(struct vgic *g, struct vcpu *v, unsigned kind, bool set, unsigned first, u32 val);
u32 vgic_prio_read(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes);
void vgic_prio_write(struct vgic *g, struct vcpu *v, unsigned first, unsigned bytes, u32 val);
u32 vgic_cfg_read(struct vgic *g, struct vcpu *v, unsigned first);
void vgic_cfg_write(struct vgic *g, struct vcpu *v, unsigned first, u32 val);
bool vgic_array_access(struct vgic *g, struct vcpu *v, u64 off, unsigned size, bool write, u64 *val);

#endif
