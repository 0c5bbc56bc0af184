/*
 * MTE (FEAT_MTE2) for guests, where the machine has it (docs/design.md,
 * "MTE"). A VM that may use it gets HCR_EL2.ATA for its vCPUs: its EL1 and
 * EL0 then reach the allocation tags and the tag registers directly, and
 * tag-check faults are its own exceptions. Without ATA the tags are
 * RAZ/WI, no access is tag checked and the registers trap (UNDEFINED).
 */
#ifndef ARCH_MTE_H
#define ARCH_MTE_H

#include <arch/sysreg.h>
#include <hyparm/types.h>
#include <hyparm/vm.h>

/*
 * The HCR_EL2 bits a VM's vCPUs get for MTE: ATA if the CPU has tag storage
 * and the VM's manifest did not turn MTE off. TID5 (GMID_EL1 traps) stays
 * clear: the guest reads the CPU's tag granule count as it is.
 */
static inline u64 mte_hcr_bits(bool cpu_has_mte2, bool vm_allows)
{
	return cpu_has_mte2 && vm_allows ? HCR_ATA : 0;
}

/* Does v's VM use MTE (its ID registers show it, its tag registers are switched)? */
static inline bool vcpu_has_mte(const struct vcpu *v)
{
	return v->arch.hcr_el2 & HCR_ATA;
}

/* v's TFSR_EL1, TFSRE0_EL1, RGSR_EL1 and GCR_EL1 from and to the CPU (arch/arm64/mte_hw.c). */
void mte_vcpu_put(struct vcpu *v);
void mte_vcpu_load(const struct vcpu *v);

#endif
