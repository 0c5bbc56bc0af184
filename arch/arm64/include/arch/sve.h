/*
 * SVE for guests (FEAT_SVE; docs/design.md, "SVE and pointer
 * authentication"). arch/arm64/sve.c is the switching, sve_regs.S the only
 * code that touches Z, P and FFR.
 *
 * The vector length: hyparm sets ZCR_EL2.LEN once per CPU to the CPU's
 * longest vector, capped at SVE_VL_MAX_BYTES (512 bits). The guest's
 * ZCR_EL1.LEN can only lower it, so the VL it probes (ZCR_EL1 writes and
 * RDVL) is always one the CPU implements and hyparm saves. Why a cap:
 * every switch of an SVE vCPU copies 32 Z registers, and QEMU's -cpu max
 * offers 2048 bits (8.5 KiB a switch each way, 4x what 512 bits costs);
 * 512 bits is the longest vector any shipping CPU has (A64FX) and Linux's
 * default for user space (64 bytes).
 *
 * A vCPU's SVE state lives in its save area (allocated with the vCPU, sized
 * for that VL: 32 Z of VL bytes, 16 P and FFR of VL/8) and is switched
 * only once the vCPU has used SVE: until then CPTR_EL2.TZ traps its SVE
 * instructions and ZCR_EL1 accesses, and it costs one flag test per
 * switch, nothing per exit. The first trap makes it active: the live
 * FP/SIMD registers become the low 128 bits of its Z registers (the rest,
 * P and FFR zero), ZCR_EL1 gets its reset value (0, as KVM), TZ is
 * cleared while it runs, and the instruction runs again. From then on put
 * saves and load restores Z/P/FFR/ZCR_EL1 around the eager FP/SIMD switch
 * (fpsimd.S: the Z registers restored after the Q registers, whose write
 * would zero their upper bits). It stays active until the vCPU is reset:
 * once used, the upper bits and predicates are its state, which only a
 * save keeps (an FP/SIMD write zeroes the upper bits, so a later "merge"
 * could not tell what the guest changed).
 */
#ifndef ARCH_SVE_H
#define ARCH_SVE_H

#include <hyparm/types.h>

struct vcpu;

#define SVE_VL_MAX_BYTES 64 /* the cap on the guests' vector length: 512 bits */

struct vcpu_sve {
	void *regs; /* save area: Z0-Z31, then P0-P15, then FFR (sve_regs.S's layout); NULL without SVE */
	u64 zcr_el1; /* the guest's ZCR_EL1 while it is not on its CPU */
	bool active; /* has used SVE since reset: its Z/P/FFR are switched, TZ clear while it runs */
};

/* Each CPU, at boot: ZCR_EL2.LEN for the chosen VL (the boot CPU chooses), SVE trapped. */
void sve_cpu_init(void);
/* The guests' vector length in bytes (0: no SVE), and the bytes of a save area for it. */
unsigned sve_vl_bytes(void);
u64 sve_area_bytes(void);
/* Back to reset: not active, area zero (v is not loaded). */
void sve_vcpu_reset(struct vcpu *v);
/* Switching, around fpsimd_save/fpsimd_restore (vcpu_switch.c): put after fpsimd_save, load after fpsimd_restore. */
void sve_vcpu_load(struct vcpu *v);
void sve_vcpu_put(struct vcpu *v);
/* The running vCPU v trapped on SVE (CPTR_EL2.TZ): make it active. False (UNDEFINED) without SVE or a save area. */
bool sve_first_use(struct vcpu *v);

/* sve_regs.S: at EL2, CPTR_EL2.TZ clear, ZCR_EL2's VL. */
void sve_save(void *area);
void sve_restore(const void *area);
u64 sve_rdvl(void); /* RDVL #1: the current VL in bytes */

#endif
