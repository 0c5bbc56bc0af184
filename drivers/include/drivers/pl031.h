/* The board's PL031 real-time clock, read once at boot to set hyparm's wall clock. */
#ifndef DRIVERS_PL031_H
#define DRIVERS_PL031_H

#include <hyparm/types.h>

/*
 * Read the PL031 at base (mapped for EL2) and hand its time to
 * wallclock_set(). False (and the wall clock left unset) when what is
 * there does not identify as a PL031.
 */
bool pl031_init(paddr_t base);

#endif
