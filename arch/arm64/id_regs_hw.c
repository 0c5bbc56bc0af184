/* Reading the CPU's ID registers (see arch/sysreg_emul.h): the only part of the ID-register code that touches hardware. */
#include <arch/sysreg.h>
#include <arch/sysreg_emul.h>

/* mrs needs the encoding at assembly time: one case per register. */
#define ID_CASE(crm, op2) \
	case (crm)*8 + (op2): \
		return read_sysreg(S3_0_C0_C##crm##_##op2);
#define ID_ROW(crm) \
	ID_CASE(crm, 0) \
	ID_CASE(crm, 1) \
	ID_CASE(crm, 2) ID_CASE(crm, 3) ID_CASE(crm, 4) ID_CASE(crm, 5) ID_CASE(crm, 6) ID_CASE(crm, 7)

u64 arch_id_reg_read(unsigned crm, unsigned op2)
{
	switch (crm * 8 + op2) {
		ID_ROW(1) ID_ROW(2) ID_ROW(3) ID_ROW(4) ID_ROW(5) ID_ROW(6) ID_ROW(7)
	}
	return 0;
}
