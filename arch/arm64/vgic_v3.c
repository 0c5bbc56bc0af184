/*
 * The GICv3 list-register backend (see arch/vgic_lr.h): ICH_LR<n>_EL2,
 * ICH_HCR_EL2, ICH_VMCR_EL2 and ICH_AP<n>R<m>_EL2 as system registers.
 * Raw save/restore only; what goes into the registers is the vGIC's
 * business (vdev/vgic/vgic_lr.c).
 */
#include <arch/sysreg.h>
#include <arch/vgic_lr.h>
#include <arch/vgic_v3_lr.h>

static u64 v3_read_raw(unsigned i)
{
	switch (i) {
	case 0:
		return read_sysreg(S3_4_C12_C12_0);
	case 1:
		return read_sysreg(S3_4_C12_C12_1);
	case 2:
		return read_sysreg(S3_4_C12_C12_2);
	case 3:
		return read_sysreg(S3_4_C12_C12_3);
	case 4:
		return read_sysreg(S3_4_C12_C12_4);
	case 5:
		return read_sysreg(S3_4_C12_C12_5);
	case 6:
		return read_sysreg(S3_4_C12_C12_6);
	case 7:
		return read_sysreg(S3_4_C12_C12_7);
	case 8:
		return read_sysreg(S3_4_C12_C13_0);
	case 9:
		return read_sysreg(S3_4_C12_C13_1);
	case 10:
		return read_sysreg(S3_4_C12_C13_2);
	case 11:
		return read_sysreg(S3_4_C12_C13_3);
	case 12:
		return read_sysreg(S3_4_C12_C13_4);
	case 13:
		return read_sysreg(S3_4_C12_C13_5);
	case 14:
		return read_sysreg(S3_4_C12_C13_6);
	default:
		return read_sysreg(S3_4_C12_C13_7);
	}
}

static void v3_write_raw(unsigned i, u64 v)
{
	switch (i) {
	case 0:
		write_sysreg(S3_4_C12_C12_0, v);
		break;
	case 1:
		write_sysreg(S3_4_C12_C12_1, v);
		break;
	case 2:
		write_sysreg(S3_4_C12_C12_2, v);
		break;
	case 3:
		write_sysreg(S3_4_C12_C12_3, v);
		break;
	case 4:
		write_sysreg(S3_4_C12_C12_4, v);
		break;
	case 5:
		write_sysreg(S3_4_C12_C12_5, v);
		break;
	case 6:
		write_sysreg(S3_4_C12_C12_6, v);
		break;
	case 7:
		write_sysreg(S3_4_C12_C12_7, v);
		break;
	case 8:
		write_sysreg(S3_4_C12_C13_0, v);
		break;
	case 9:
		write_sysreg(S3_4_C12_C13_1, v);
		break;
	case 10:
		write_sysreg(S3_4_C12_C13_2, v);
		break;
	case 11:
		write_sysreg(S3_4_C12_C13_3, v);
		break;
	case 12:
		write_sysreg(S3_4_C12_C13_4, v);
		break;
	case 13:
		write_sysreg(S3_4_C12_C13_5, v);
		break;
	case 14:
		write_sysreg(S3_4_C12_C13_6, v);
		break;
	default:
		write_sysreg(S3_4_C12_C13_7, v);
		break;
	}
}

static unsigned v3_count(void)
{
	return (read_sysreg(S3_4_C12_C11_1) & 0x1F) + 1; /* ICH_VTR_EL2.ListRegs */
}

static void v3_write(unsigned i, const struct vgic_lr *lr)
{
	v3_write_raw(i, lr ? vgic_v3_encode(lr) : 0);
}

static unsigned v3_read_state(unsigned i)
{
	return vgic_v3_lr_state(v3_read_raw(i));
}

static u32 v3_empty(void)
{
	return (u32)read_sysreg(S3_4_C12_C11_5); /* ICH_ELRSR_EL2 */
}

static void v3_set_hcr(u32 hcr)
{
	write_sysreg(S3_4_C12_C11_0, (u64)hcr); /* ICH_HCR_EL2 */
}

/* Only AP0R0/AP1R0: 5 bits of priority (32 levels) need one register each. */
static void v3_save(struct vgic_cpuif *s)
{
	s->vmcr = read_sysreg(S3_4_C12_C11_7); /* ICH_VMCR_EL2 */
	s->ap0r[0] = read_sysreg(S3_4_C12_C8_0); /* ICH_AP0R0_EL2 */
	s->ap1r[0] = read_sysreg(S3_4_C12_C9_0); /* ICH_AP1R0_EL2 */
}

static void v3_restore(const struct vgic_cpuif *s)
{
	write_sysreg(S3_4_C12_C11_7, s->vmcr);
	write_sysreg(S3_4_C12_C8_0, (u64)s->ap0r[0]);
	write_sysreg(S3_4_C12_C9_0, (u64)s->ap1r[0]);
}

static void v3_cpu_init(void)
{
	for (unsigned i = 0; i < v3_count(); i++)
		v3_write_raw(i, 0);
	v3_set_hcr(VGIC_HCR_EN);
	isb();
}

static struct vgic_lr_backend vgic_v3_backend = {
	.name = "GICv3 (ICH system registers)",
	.version = 3,
	.count = v3_count,
	.write = v3_write,
	.read_state = v3_read_state,
	.empty = v3_empty,
	.set_hcr = v3_set_hcr,
	.save = v3_save,
	.restore = v3_restore,
	.cpu_init = v3_cpu_init,
};

const struct vgic_lr_backend *vgic_v3_probe(const struct vgic_hw *hw)
{
	vgic_v3_backend.maint_intid = hw->maint_intid;
	return &vgic_v3_backend;
}
