/*
 * The guest's SVE state, switched from its first use on (see arch/sve.h
 * for the vector length hyparm chooses and the lazy switching). The
 * vector registers themselves are only touched by sve_regs.S and fpsimd.S.
 */
#include <arch/cpu_features.h>
#include <arch/sve.h>
#include <arch/sysreg.h>
#include <arch/vcpu_arch.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <string.h>

/* By encoding: assemblers without +sve do not name them. */
#define ZCR_EL1 S3_0_C1_C2_0
#define ZCR_EL2 S3_4_C1_C2_0
#define ZCR_LEN_MAX 0xFUL /* LEN asks for (LEN + 1) * 128 bits; the CPU gives the longest it has up to that */
#define CPTR_TZ BIT(8) /* CPTR_EL2 (nVHE): SVE and ZCR_ELx accesses trap to EL2, from EL2 too */
#define SVE_QUAD_BYTES 16 /* one 128-bit granule: the FP/SIMD register inside each Z register */

static unsigned guest_vl; /* bytes; 0 without SVE. Written by the boot CPU before any VM exists */

/* CPTR_EL2.TZ only: TZ also traps hyparm's own SVE instructions, so sve_regs.S runs with it clear. */
static void sve_trap(bool trap)
{
	u64 cptr = read_sysreg(cptr_el2);

	write_sysreg(cptr_el2, trap ? cptr | CPTR_TZ : cptr & ~CPTR_TZ);
	isb();
}

static u64 zcr_len(unsigned vl)
{
	return vl / SVE_QUAD_BYTES - 1;
}

void sve_cpu_init(void)
{
	unsigned vl;

	if (!cpu_feat.sve)
		return;
	sve_trap(false);
	if (!guest_vl) {
		write_sysreg(ZCR_EL2, ZCR_LEN_MAX);
		isb();
		unsigned hw_vl = (unsigned)sve_rdvl();
		guest_vl = hw_vl < SVE_VL_MAX_BYTES ? hw_vl : SVE_VL_MAX_BYTES;
		hv_printf("hyparm: SVE: guests' vector length %u bits (the CPU's longest %u, capped at %u)\n",
			  guest_vl * 8, hw_vl * 8, SVE_VL_MAX_BYTES * 8);
	}
	write_sysreg(ZCR_EL2, zcr_len(guest_vl));
	isb();
	vl = (unsigned)sve_rdvl();
	if (vl != guest_vl)
		/* Every power of two up to the longest is architecturally required: only a mixed machine gets here. */
		hv_printf(
			"hyparm: SVE: this CPU gives %u bits where the boot CPU gave %u: guests moving here "
			"see a shorter vector\n",
			vl * 8, guest_vl * 8);
	sve_trap(true);
}

unsigned sve_vl_bytes(void)
{
	return guest_vl;
}

u64 sve_area_bytes(void)
{
	/* 32 Z of VL bytes, 16 P and FFR of VL/8 bytes. */
	return guest_vl ? 32 * (u64)guest_vl + 17 * (u64)(guest_vl / 8) : 0;
}

void sve_vcpu_reset(struct vcpu *v)
{
	struct vcpu_sve *s = &v->arch.sve;

	s->active = false;
	s->zcr_el1 =
		0; /* LEN 0, 128 bits, as KVM resets it (UNKNOWN architecturally): the guest asks for more */
}

bool sve_first_use(struct vcpu *v)
{
	struct vcpu_sve *s = &v->arch.sve;
	u8 *z = s->regs;

	if (!guest_vl || !z || s->active)
		return false;
	/* Its live FP/SIMD registers are the low 128 bits of its Z registers; nothing else is its yet. */
	memset(z, 0, sve_area_bytes());
	fpsimd_save(&v->arch.fp);
	for (unsigned i = 0; i < 32; i++)
		memcpy(z + (u64)i * guest_vl, v->arch.fp.q[i], SVE_QUAD_BYTES);
	sve_trap(false);
	/* Every Z, P and FFR written: nothing another vCPU left in them stays. */
	sve_restore(z);
	write_sysreg(ZCR_EL1, s->zcr_el1);
	isb();
	s->active = true;
	return true;
}

void sve_vcpu_put(struct vcpu *v)
{
	struct vcpu_sve *s = &v->arch.sve;

	if (!s->active)
		return;
	s->zcr_el1 = read_sysreg(ZCR_EL1);
	sve_save(s->regs);
	/* The next vCPU traps on SVE unless its load clears TZ again. */
	sve_trap(true);
}

void sve_vcpu_load(struct vcpu *v)
{
	struct vcpu_sve *s = &v->arch.sve;

	if (!s->active)
		return;
	sve_trap(false);
	/* After fpsimd_restore: its Q writes zeroed the upper bits this writes back. */
	sve_restore(s->regs);
	write_sysreg(ZCR_EL1, s->zcr_el1);
}
