/*
 * The core's boot entry points, called by arch/arm64/boot.S once the CPU
 * has a stack (core/main.c). None returns.
 */
#ifndef HYPARM_BOOT_H
#define HYPARM_BOOT_H

#include <hyparm/types.h>

/* The boot CPU at EL2: dtb as the boot loader passed it, load_addr where hyparm's image sits. */
void boot_main(void *dtb, paddr_t load_addr);
/* The boot CPU entered at EL1 or EL3 (el) instead of EL2: report it and stop. */
void boot_wrong_el(void *dtb, paddr_t load_addr, unsigned el);
/* Secondary CPU id, started through PSCI CPU_ON, MMU off. */
void secondary_main(unsigned id);

#endif
