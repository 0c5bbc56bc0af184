/*
 * The Arm True Random Number Generator firmware interface (SMCCC TRNG,
 * Arm DEN0098), version 1.0: function IDs and return codes. hyparm serves
 * it to guests (core/trng.c) and uses the firmware's where there is one
 * (drivers/psci_fw.c). Only #defines: the test guests include it too.
 */
#ifndef HYPARM_TRNG_H
#define HYPARM_TRNG_H

#define TRNG_VERSION_FID 0x84000050u
#define TRNG_FEATURES_FID 0x84000051u
#define TRNG_GET_UUID_FID 0x84000052u
#define TRNG_RND32_FID 0x84000053u
#define TRNG_RND64_FID 0xC4000053u

/* Major 1, minor 0: bits [30:16] and [15:0]. */
#define TRNG_VERSION_1_0 0x10000

/* Its own return codes (DEN0098 table 2-2), not quite SMCCC's: INVALID_PARAMETERS is -2 here. */
#define TRNG_SUCCESS 0
#define TRNG_NOT_SUPPORTED (-1)
#define TRNG_INVALID_PARAMETERS (-2)
#define TRNG_NO_ENTROPY (-3)

/* The most bits one RND call returns: three 32-bit registers (RND32), three 64-bit ones (RND64). */
#define TRNG_RND32_MAX_BITS 96
#define TRNG_RND64_MAX_BITS 192

#endif
