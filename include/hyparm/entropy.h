/*
 * hyparm's random numbers: one ChaCha20 DRBG (hyparm/drbg.h) shared by
 * every CPU behind a lock, seeded at boot from what the machine offers
 * (core/main.c: the boot loader's /chosen/rng-seed and kaslr-seed, the
 * firmware's SMCCC TRNG, the CPU's RNDR, the counter) and reseeded from
 * the CPU (RNDR where it exists, the counter) whenever a VM boots. Guests
 * get its output as their DT seeds (core/vm_load.c) and through SMCCC TRNG
 * (core/trng.c); every request takes fresh bytes from one stream, so no
 * two VMs and no two boots of one VM get the same bytes.
 */
#ifndef HYPARM_ENTROPY_H
#define HYPARM_ENTROPY_H

#include <hyparm/types.h>

/* Mix seed material in; real: it comes from an entropy source (not just the counter). */
void entropy_add(const void *in, size_t len, bool real);
/* Mix in what the CPU offers now: RNDR if it has one (then true: a real source), and the counter. */
bool entropy_add_cpu(void);
/* Whether any real source was mixed in since boot: without one, guests' seeds are guessable. */
bool entropy_seeded(void);
/* len bytes of output, from any CPU. */
void entropy_get(void *out, size_t len);

#endif
