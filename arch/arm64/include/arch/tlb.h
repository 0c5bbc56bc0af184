/*
 * TLB maintenance for stage 2. TLBI by IPA acts on the VMID currently in
 * VTTBR_EL2, so these switch VTTBR_EL2 to the target VM around the
 * operation. Implemented in arch/arm64/tlb.c; unit tests supply fakes that
 * record the calls.
 */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H

#include <hyparm/types.h>

struct stage2;

/* Invalidate stage-2 entries for one IPA (and combined stage-1+2 entries of the VMID). */
void arch_tlb_inval_ipa(const struct stage2 *s2, ipa_t ipa);
/* Invalidate everything cached for the VMID. */
void arch_tlb_inval_vmid(const struct stage2 *s2);

#endif
