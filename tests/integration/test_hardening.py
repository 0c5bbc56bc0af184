"""Isolation of register state between VMs and hyparm's own hardening (docs/security.md):
registers switched or trapped, W^X and stack guard pages, the Spectre-v2 exit path."""
import os
import subprocess

import pytest

import hyparmrun as hr


def _registers_isolated(hv, cpu_model):
    """Two VMs on one physical CPU: neither sees the other's register values (guests/tests/regleak.c)."""
    res = hv.run([hr.VM(hv.guest("regleak"), name="a", params="seed=1", pcpus="0"),
                  hr.VM(hv.guest("regleak"), name="b", params="seed=2", pcpus="0")],
                 cpu_model=cpu_model, timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "a")
    hv.guest_passed(res, "b")


@pytest.mark.timeout(90)
def test_registers_isolated_between_vms_cortex_a57(hv):
    _registers_isolated(hv, "cortex-a57")


@pytest.mark.timeout(90)
def test_registers_isolated_between_vms_cpu_max(hv):
    _registers_isolated(hv, "max,pauth-impdef=on")


def _test_build(hv, name, define):
    """hyparm built with HV_TEST_CFLAGS=-D<define> in build/<name> (never the real build)."""
    out = os.path.join(hv.REPO, "build", name)
    mk = subprocess.run(["make", "-s", "-j2", "B=" + out, "HV_TEST_CFLAGS=-D" + define,
                         os.path.join(out, "hyparm.bin")], cwd=hv.REPO, capture_output=True, text=True)
    hv.expect(mk.returncode == 0, "test build failed: " + (mk.stderr or mk.stdout)[-400:])
    return os.path.join(out, "hyparm.bin")


@pytest.mark.timeout(240)
def test_bp_hardened_exit_path_keeps_guest_registers(hv):
    """The exit vectors that call SMCCC_ARCH_WORKAROUND_1 first (used where the firmware says the
    CPU needs it; QEMU's does not) forced on in a test build: guests that check their registers
    across exits (SMCCC results in x0-x3, every register in regleak) still pass."""
    hyp = _test_build(hv, "test-bp-harden", "HYPARM_TEST_FORCE_BP_HARDEN")
    for g, kw in (("smccc", {}), ("psci", {"cpus": 2, "pcpus": "0"})):
        res = hv.run([hr.VM(hv.guest(g), name="g", **kw)], hyparm=hyp, timeout=30)
        hv.expect(any("WORKAROUND_1 on every exit forced" in l for l in res.lines), "not the test build")
        hv.expect(res.status == hr.STATUS_OK, "%s: status %d: %s" % (g, res.status, res.why))
        hv.guest_passed(res, "g")
    res = hv.run([hr.VM(hv.guest("regleak"), name="a", params="seed=1", pcpus="0"),
                  hr.VM(hv.guest("regleak"), name="b", params="seed=2", pcpus="0")], hyparm=hyp, timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "regleak: status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "a")
    hv.guest_passed(res, "b")


@pytest.mark.timeout(240)
def test_stack_overflow_hits_the_guard_page(hv):
    """A test build of hyparm (HV_TEST_CFLAGS=-DHYPARM_TEST_STACK_OVERFLOW, its own build directory)
    overflows CPU 0's stack at boot: the guard page below the stack must stop it with a fault dump
    that names the CPU and says 'stack overflow', printed from the emergency stack."""
    hyp = _test_build(hv, "test-stack-overflow", "HYPARM_TEST_STACK_OVERFLOW")
    res = hv.run([hr.VM(hv.guest("hello"), name="g")], hyparm=hyp, timeout=30,
                 until=r"^hyparm: CPU 0 stopped")
    hv.expect(any("overflowing CPU 0's stack on purpose" in l for l in res.lines), "the test build did not run")
    hv.expect(any(l.startswith("hyparm: FAULT in hyparm on CPU 0") for l in res.lines), "no fault dump")
    hv.expect(any("stack overflow on CPU 0: ran into the guard page below CPU 0's stack" in l
                  for l in res.lines), "the dump does not say 'stack overflow'")
