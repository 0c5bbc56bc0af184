/* The board's CFI flash bank that holds a VM's firmware variables (QEMU virt's pflash1). */
#ifndef DRIVERS_CFI_FLASH_H
#define DRIVERS_CFI_FLASH_H

#include <hyparm/types.h>

/*
 * The Intel-command-set bank at base (size bytes, two x16 chips on a
 * 32-bit bus, as QEMU virt has it; mapped for EL2 here). If it answers a
 * CFI query as such, it is registered as the variables store
 * (hyparm/nvstore.h) and true returned.
 */
bool cfi_flash_init(paddr_t base, u64 size);

#endif
