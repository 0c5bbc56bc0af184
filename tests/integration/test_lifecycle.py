"""A VM's life cycle next to other VMs: a VM that reboots again and again while
another runs a job (issue 11: "a VM that reboots 20 times in a row while another
VM runs a job, both on one physical CPU and on separate ones: the rebooting VM
comes back every time and the other finishes with the right result").

The rebooting VM (guests/tests/reboot.c) checks at every boot that it starts in
the reset state (MMU off, its EL1 registers as hyparm resets them), turns its MMU
on and marks its registers, and resets when it is told to ('r' typed on its
console). The job is the hostile suite's honest VM (guests/tests/honest.c): its
checksum must be the one it computes alone, its own checks must pass.
"""
import re

import pytest

import hyparmrun as hr

REBOOTS = 20
# The job must outlast the storm (20 reboots take 1-3 s here; this job 8-10 s).
ROUNDS = 100000
TIMEOUT = 90

_alone = {}


def honest(hv, pcpus):
    return hr.VM(hv.guest("honest"), name="job", mem=16, pcpus=pcpus, params="rounds=%d" % ROUNDS)


def checksum(hv, res):
    hv.guest_passed(res, "job")
    cks = [l.split()[1] for l in res.vm_lines("job") if l.startswith("CHECKSUM ")]
    hv.expect(cks, "the job printed no CHECKSUM")
    return cks[-1]


def checksum_alone(hv):
    if "cks" not in _alone:
        res = hv.run([honest(hv, "0")], timeout=TIMEOUT)
        hv.expect(res.status == hr.STATUS_OK, "the job alone: status %d: %s" % (res.status, res.why))
        _alone["cks"] = checksum(hv, res)
    return _alone["cks"]


def storm(hv, job_pcpus):
    want = checksum_alone(hv)
    # The rebooting VM first: it has the console's input focus, so what is typed reaches it.
    vms = [hr.VM(hv.guest("reboot"), name="rb", mem=16, pcpus="0"), honest(hv, job_pcpus)]
    script = [("reboot: ready", "r")] * REBOOTS + [("reboot: ready", "q")]
    res = hv.run(vms, timeout=TIMEOUT, script=script)
    boots = [i for i, l in enumerate(res.lines) if l == "[rb] reboot: boot"]
    resets = sum(1 for l in res.lines if l == "hyparm: vm rb: reset")
    hv.expect(len(boots) == REBOOTS + 1, "the rebooting VM booted %d times after %d resets (want %d)"
              % (len(boots), resets, REBOOTS + 1))
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "rb")  # every boot's checks: FAIL lines of any boot count
    hv.expect(res.vm_states.get("rb") == "off" and res.vm_states.get("job") == "off", "a VM did not power off")
    hv.expect(checksum(hv, res) == want, "the job's checksum differs from its checksum alone (%s)" % want)
    done = [i for i, l in enumerate(res.lines) if re.match(r"\[job\] CHECKSUM ", l)]
    hv.expect(done and done[-1] > boots[-1], "the job ended before the storm did: make ROUNDS larger")
    return res


@pytest.mark.timeout(240)
def test_reboot_storm_next_to_a_job_on_the_same_cpu(hv):
    storm(hv, "0")


@pytest.mark.timeout(240)
def test_reboot_storm_next_to_a_job_on_another_cpu(hv):
    storm(hv, "1")
