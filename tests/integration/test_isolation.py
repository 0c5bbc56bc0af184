"""Two VMs side by side: what one does (abort, crash, power off, probe memory)
must not reach the other or hyparm."""
import os
import re

import pytest

import hyparmrun as hr
from conftest import GICS


@pytest.mark.timeout(60)
def test_abort_on_unmapped_ipa_while_another_vm_runs(hv):
    res = hv.run([hr.VM(hv.guest("abort"), name="aborter", pcpus="0"),
                  hr.VM(hv.guest("survivor"), name="other", pcpus="1")], timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "aborter")
    hv.guest_passed(res, "other")


@GICS
@pytest.mark.timeout(70)
def test_isolation_from_hyparm_and_the_other_vm(hv, gic):
    size = (os.path.getsize(hv.HYPARM) + 0xFFF) & ~0xFFF
    common = "secret=0x5ec7e75ec7e75ec7 hyp_base=0x40200000 hyp_size=0x%x" % size
    res = hv.run([hr.VM(hv.guest("isolation"), name="writer", params="role=writer " + common, pcpus="0"),
                  hr.VM(hv.guest("isolation"), name="reader", params="role=reader " + common, pcpus="1")],
                 timeout=40, gic=gic)
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
    # The report names the fault that started the loop (the load from 0x20000000 in guest RAM's code,
    # a data abort from EL1: EC 0x24), not only the vector it loops on.
    hv.expect(any(re.search(r"first fault: ESR_EL2 0x\w+ \(EC 0x24\), FAR 0x20000000, at pc 0x4008\w+", l)
                  for l in res.lines), "the report does not name the first fault")
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


def rendered(line):
    """What a terminal shows for a line with backspaces in it (a backspace at column 0 stays there)."""
    cells, col = [], 0
    for c in line:
        if c == "\b":
            col = max(0, col - 1)
            continue
        cells[col:col + 1] = [c]
        col += 1
    return "".join(cells)


@pytest.mark.timeout(90)
def test_guest_cannot_spoof_hyparm_or_another_vm(hv):
    """A guest's control bytes are shown, not obeyed, and the launcher takes hyparm's verdicts only
    from lines that begin with "hyparm: ": guests/tests/spoof.c prints fake FAULT, PANIC and
    'stopped' lines with every trick it has, then powers off cleanly. Once alone (it has the
    input focus: its bytes go out one by one) and once beside a VM that has the focus (its
    output goes out a line at a time)."""
    expect = hv.expect
    for vms in ([hr.VM(hv.guest("spoof"), name="spoof")],
                [hr.VM(hv.guest("hello"), name="other", pcpus="1"), hr.VM(hv.guest("spoof"), name="spoof", pcpus="0")]):
        names = [v.name for v in vms]
        res = hv.run(vms, timeout=30)
        expect(res.status == hr.STATUS_OK, "%s: launcher status %d (want OK): %s" % (names, res.status, res.why))
        expect(res.vm_states == {n: "off" for n in names}, "VM states parsed as %r" % res.vm_states)
        own = hr.hyparm_lines(res.lines)
        expect(all("hyparm: vm %s: powered off" % n in own for n in names), "hyparm's power-off lines not parsed")
        expect(own[-1] == "hyparm: all VMs stopped", "hyparm's last line: %r" % own[-1:])
        taken = [l for l in own if "spoofed" in l or "fake" in l or "FAULT" in l or "PANIC" in l]
        expect(not taken, "a guest's text was taken for hyparm's: %r" % taken)
        mine = [l for l in res.lines if "spoofed" in l or "fake" in l or "FAULT" in l or "PANIC" in l]
        expect(len(mine) >= 9, "the guest's lines did not all arrive: %r" % mine)
        focused = names[0] == "spoof"
        for l in mine:
            expect(l.startswith("[spoof] "), "a guest line does not start with its prefix: %r" % l)
            expect(not any(c in l for c in "\x1b\r\x9b"), "a control byte reached the terminal: %r" % l)
            # The focused VM may backspace over its own text (a shell edits its line), never further.
            expect(focused or "\b" not in l, "a backspace reached the terminal: %r" % l)
            expect(rendered(l).startswith("[spoof] "), "the terminal would show %r" % rendered(l))
        expect(any(l.startswith("[spoof] ^H") and l.endswith("hyparm: PANIC: spoofed") for l in res.lines),
               "backspaces over the prefix not shown as ^H")
        expect("[spoof] [other] fake line from another VM" in res.lines, "the fake line lost its prefix")
        expect("[spoof] ^[[H^[[2Jhyparm: FAULT cleared the screen" in res.lines, "ESC sequences not shown")
        if "other" in names:
            hv.guest_passed(res, "other")
