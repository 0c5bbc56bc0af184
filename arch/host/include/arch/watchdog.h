/* Host tests: the watchdog is EL2 hardware; the core only pets it (arch/host/fake.c). */
#ifndef ARCH_WATCHDOG_H
#define ARCH_WATCHDOG_H

void watchdog_pet(void);

#endif
