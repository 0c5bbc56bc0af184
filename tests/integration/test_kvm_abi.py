"""The guest ABI KVM gives an arm64 guest, as hyparm gives it: each topic in its own
clearly named tests (boot entropy: test_entropy_*)."""
import re

import pytest

import hyparmrun as hr

# ---------------------------------------------------------------- boot entropy
# guests/tests/entropy.c checks /chosen/rng-seed, /chosen/kaslr-seed and SMCCC TRNG and
# prints what it got ("ENTROPY name hex"); here: no two VMs, boots or runs see the same.

ENTROPY_LINE = re.compile(r"ENTROPY (rng-seed|kaslr-seed|rnd64) ([0-9a-f]+)$")


def entropy_values(res, vm):
    """[{name: hex}] for each boot of vm, in order."""
    boots = []
    for l in res.vm_lines(vm):
        m = ENTROPY_LINE.match(l)
        if m:
            if not boots or m.group(1) in boots[-1]:
                boots.append({})
            boots[-1][m.group(1)] = m.group(2)
    return boots


def expect_all_different(hv, boots):
    """Every value of every boot differs from the same value of every other boot."""
    for name in ("rng-seed", "kaslr-seed", "rnd64"):
        seen = [b.get(name) for b in boots]
        hv.expect(None not in seen, "a boot did not report its %s: %s" % (name, boots))
        hv.expect(len(set(seen)) == len(seen), "%s repeats: %s" % (name, seen))


def entropy_run(hv, names, wait=False):
    vms = [hr.VM(hv.guest("entropy"), name=n, pcpus=str(i % 2), params="wait=1" if wait else "")
           for i, n in enumerate(names)]
    script = [(r"ENTROPY waiting", "r"), (r"ENTROPY waiting", "q")] if wait else ()
    res = hv.run(vms, timeout=60, script=script)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    for n in names:
        hv.guest_passed(res, n)
        hv.expect(res.vm_states.get(n) == "off", "vm %s did not power off" % n)
    return res


@pytest.mark.timeout(120)
def test_entropy_two_vms_get_different_seeds_and_trng_answers(hv):
    res = entropy_run(hv, ["e0", "e1"])
    boots = entropy_values(res, "e0") + entropy_values(res, "e1")
    hv.expect(len(boots) == 2, "expected one boot per VM: %s" % boots)
    expect_all_different(hv, boots)


@pytest.mark.timeout(180)
def test_entropy_each_reboot_and_each_run_gets_new_seeds(hv):
    # One run in which the VM restarts itself (PSCI SYSTEM_RESET), then a second run.
    first = entropy_run(hv, ["g"], wait=True)
    hv.expect(any(l == "hyparm: vm g: reset" for l in first.lines), "the VM did not reset")
    boots = entropy_values(first, "g")
    hv.expect(len(boots) == 2, "expected two boots in the first run: %s" % boots)
    second = entropy_run(hv, ["g"])
    boots += entropy_values(second, "g")
    expect_all_different(hv, boots)
