/* Calls into the platform firmware's PSCI and SMCCC services (SMC or HVC, as the device tree says). */
#ifndef DRIVERS_PSCI_FW_H
#define DRIVERS_PSCI_FW_H

#include <hyparm/types.h>

enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_SMC, PSCI_CONDUIT_HVC };

/* Once at boot: the conduit, and which SMCCC workarounds the firmware has. */
void psci_fw_init(enum psci_conduit conduit);
enum psci_conduit psci_fw_conduit(void);
/* Raw SMCCC call: x0..x3 in, x0 out. */
s64 psci_fw_call(u64 fid, u64 a1, u64 a2, u64 a3);
/* 192 bits from the firmware's SMCCC TRNG (DEN0098 RND64); false when it has none. */
bool psci_fw_trng(u64 out[3]);
s64 psci_fw_cpu_on(u64 mpidr, paddr_t entry, u64 context);
void psci_fw_system_off(void) __attribute__((noreturn));

#endif
