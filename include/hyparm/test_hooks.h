/*
 * Test-only ways to make hyparm misbehave, for the tests of its own
 * failure handling (the watchdog). They exist only in a build made with
 * HYPARM_TEST_HOOKS=1 (make hyparm-test-hooks: build/test-hooks/hyparm.bin);
 * in a normal build the function IDs below are unknown (NOT_SUPPORTED).
 * Function IDs are in the SMCCC vendor-specific hypervisor range (owner 6).
 */
#ifndef HYPARM_TEST_HOOKS_H
#define HYPARM_TEST_HOOKS_H

#include <hyparm/types.h>

/* Spin in EL2 for ever with IRQs masked (test_hook_spin_el2): the watchdog must catch it. */
#define HYPARM_TEST_HANG_EL2_FID 0xC600FF00u

#ifdef HYPARM_TEST_HOOKS
struct vcpu;
/* A test hook's function ID: run it, true. Any other: false. */
bool test_hook_call(struct vcpu *v, u64 regs[18]);
#endif

#endif
