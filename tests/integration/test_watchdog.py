"""hyparm's watchdog (arch/arm64/watchdog.c): a CPU stuck in EL2 with IRQs masked is
reported (hyparm: WATCHDOG: ...) and stopped, instead of hanging silently, and the
other CPU's VM goes on. The hang comes from a test hook that only a build with
HYPARM_TEST_HOOKS=1 has (build/test-hooks/hyparm.bin); the normal build must not
have it."""
import os
import re
import subprocess

import hyparmrun as hr
from conftest import GICS

TEST_HYPARM = os.path.join(hr.REPO, "build", "test-hooks", "hyparm.bin")
TEST_ELF = os.path.join(hr.REPO, "build", "test-hooks", "hyparm.elf")
BOUND_MS = 1000  # WATCHDOG_BOUND_MS (arch/arm64/include/arch/watchdog.h)


def build_test_hooks():
    subprocess.run(["make", "-s", "-C", hr.REPO, "hyparm-test-hooks"], check=True,
                   stdout=subprocess.DEVNULL)


def function_at(elf, offset):
    """The function an image offset is in (hyparm is linked at 0: offsets are addresses)."""
    out = subprocess.run(["aarch64-linux-gnu-addr2line", "-f", "-e", elf, "0x%x" % offset],
                         stdout=subprocess.PIPE, text=True, check=True).stdout.split("\n")
    return out[0]


@GICS
def test_watchdog_catches_a_cpu_stuck_in_el2(hv, gic):
    """On a GICv2 host the tick is a Group 0 FIQ acknowledged through GICC, not ICC_IAR0_EL1."""
    build_test_hooks()
    res = hv.run([hr.VM(hv.guest("hang"), name="hang", pcpus="0"),
                  hr.VM(hv.guest("survivor"), name="survivor", pcpus="1")],
                 hyparm=TEST_HYPARM, timeout=20, gic=gic)
    own = hr.hyparm_lines(res.lines)
    hv.expect("hyparm: test hook: spinning in EL2 with IRQs masked" in own, "the hang hook did not run")
    dogs = [i for i, l in enumerate(res.lines) if l.startswith("hyparm: WATCHDOG:")]
    hv.expect(dogs, "no WATCHDOG report: CPU 0 hung silently")
    m = re.match(r"hyparm: WATCHDOG: CPU (\d+) has been in EL2 for more than (\d+) ms$", res.lines[dogs[0]])
    hv.expect(m, "malformed report: %r" % res.lines[dogs[0]])
    hv.expect(m.group(1) == "0", "the report names CPU %s, not CPU 0" % m.group(1))
    ms = int(m.group(2))
    # Caught within a few seconds: at the bound, plus at most a tick's period and some slack.
    hv.expect(BOUND_MS <= ms <= 4 * BOUND_MS, "reported after %d ms (bound %d ms)" % (ms, BOUND_MS))
    dump = res.lines[dogs[0]:dogs[0] + 40]
    elr = [re.search(r"ELR_EL2 0x[0-9a-f]+ \(image \+0x([0-9a-f]+)\)", l) for l in dump]
    elr = [e for e in elr if e]
    hv.expect(elr, "the report has no ELR_EL2")
    fn = function_at(TEST_ELF, int(elr[0].group(1), 16))
    hv.expect(fn == "test_hook_spin_el2", "the reported PC is in %s, not in the spin loop" % fn)
    hv.expect(any("while serving vm hang vcpu 0" in l for l in dump), "the report does not name the vCPU")
    hv.expect(any("last synchronous exit of this CPU" in l and "HVC64" in l for l in dump),
              "the report does not give the last exit (the HVC)")
    hv.expect(any(l == "hyparm: CPU 0 stopped" for l in dump), "CPU 0 was not stopped")
    hv.expect(res.status == hr.STATUS_HYP_FAILED, "launcher status %d (want 3): %s" % (res.status, res.why))
    # The other CPU's VM is untouched.
    hv.guest_passed(res, "survivor")
    hv.expect(res.vm_states.get("survivor") == "off", "survivor did not power off")


def test_hang_hook_is_absent_from_the_normal_build(hv):
    hv.one(hv.guest("hang"))
