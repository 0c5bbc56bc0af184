/*
 * Included first in every hypervisor object (HV_CFLAGS -include): hyparm is
 * one static position-independent image, so no symbol can be preempted.
 * Declaring everything hidden lets the compiler reach globals PC-relative
 * instead of through the GOT (one load less per access on the exit path).
 */
#pragma GCC visibility push(hidden)
