"""Two VMs side by side: what one does (abort, crash, power off, probe memory)
must not reach the other or hyparm."""
import os

import pytest

import hyparmrun as hr


@pytest.mark.timeout(60)
def test_abort_on_unmapped_ipa_while_another_vm_runs(hv):
    res = hv.run([hr.VM(hv.guest("abort"), name="aborter", pcpus="0"),
                  hr.VM(hv.guest("survivor"), name="other", pcpus="1")], timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "aborter")
    hv.guest_passed(res, "other")


@pytest.mark.timeout(70)
def test_isolation_from_hyparm_and_the_other_vm(hv):
    size = (os.path.getsize(hv.HYPARM) + 0xFFF) & ~0xFFF
    common = "secret=0x5ec7e75ec7e75ec7 hyp_base=0x40200000 hyp_size=0x%x" % size
    res = hv.run([hr.VM(hv.guest("isolation"), name="writer", params="role=writer " + common, pcpus="0"),
                  hr.VM(hv.guest("isolation"), name="reader", params="role=reader " + common, pcpus="1")],
                 timeout=40)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "writer")
    hv.guest_passed(res, "reader")
    # Both ran at the same time, each on its own physical CPU.
    ws, we = hv.line_index(res, "writer", "start"), hv.line_index(res, "writer", "end")
    rs, re_ = hv.line_index(res, "reader", "start"), hv.line_index(res, "reader", "end")
    hv.expect(rs < we and ws < re_, "the two VMs did not run concurrently")


@pytest.mark.timeout(60)
def test_crashing_vm_leaves_the_other_running(hv):
    res = hv.run([hr.VM(hv.guest("crash"), name="crasher", pcpus="0"),
                  hr.VM(hv.guest("survivor"), name="survivor", pcpus="1")], timeout=30)
    hv.expect(res.status == hr.STATUS_VM_FAILED, "launcher status %d (want 1: a VM crashed): %s"
              % (res.status, res.why))
    hv.expect(res.vm_states.get("crasher") == "stopped", "hyparm did not stop the crashing VM")
    hv.expect(any("exception loop" in l for l in res.lines), "no 'exception loop' reason given")
    hv.guest_passed(res, "survivor")
    hv.expect(res.vm_states.get("survivor") == "off", "survivor did not power off")


@pytest.mark.timeout(60)
def test_early_poweroff_leaves_the_other_running(hv):
    res = hv.run([hr.VM(hv.guest("crash"), name="quitter", params="mode=off", pcpus="0"),
                  hr.VM(hv.guest("survivor"), name="survivor", pcpus="1")], timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(res.vm_states.get("quitter") == "off", "quitter did not power off")
    hv.guest_passed(res, "survivor")
    off = [i for i, l in enumerate(res.lines) if l == "hyparm: vm quitter: powered off"]
    work = [i for i, l in enumerate(res.lines) if l.startswith("[survivor] PASS")]
    hv.expect(off and work and off[0] < work[0], "survivor's work did not go on after the other powered off")
