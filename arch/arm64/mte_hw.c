/*
 * A vCPU's MTE registers in and out of the CPU (see arch/mte.h). Only for
 * vCPUs of VMs with MTE: another vCPU cannot reach these registers (they
 * trap without HCR_EL2.ATA and hyparm makes them UNDEFINED), so what an
 * earlier vCPU left in them is invisible to it, and the next vCPU with MTE
 * writes all four before it runs.
 */
#include <arch/mte.h>
#include <arch/sysreg.h>

/* Encodings, so that no -march=...+memtag is needed to assemble hyparm. */
#define TFSR_EL1 S3_0_C5_C6_0
#define TFSRE0_EL1 S3_0_C5_C6_1
#define RGSR_EL1 S3_0_C1_C0_5
#define GCR_EL1 S3_0_C1_C0_6
#define read_sysreg_enc(enc) read_sysreg(enc)
#define write_sysreg_enc(enc, v) write_sysreg(enc, v)

void mte_vcpu_put(struct vcpu *v)
{
	struct el1_sysregs *s = &v->arch.sys;

	/*
	 * Asynchronous tag-check faults of the guest's last accesses are
	 * recorded in TFSR_EL1/TFSRE0_EL1 by the time a DSB completes: read
	 * them after one, or the fault would be lost (or land in the next
	 * vCPU's register value).
	 */
	dsb(nsh);
	isb();
	s->tfsr_el1 = read_sysreg_enc(TFSR_EL1);
	s->tfsre0_el1 = read_sysreg_enc(TFSRE0_EL1);
	s->rgsr_el1 = read_sysreg_enc(RGSR_EL1);
	s->gcr_el1 = read_sysreg_enc(GCR_EL1);
}

void mte_vcpu_load(const struct vcpu *v)
{
	const struct el1_sysregs *s = &v->arch.sys;

	write_sysreg_enc(TFSR_EL1, s->tfsr_el1);
	write_sysreg_enc(TFSRE0_EL1, s->tfsre0_el1);
	write_sysreg_enc(RGSR_EL1, s->rgsr_el1);
	write_sysreg_enc(GCR_EL1, s->gcr_el1);
}
