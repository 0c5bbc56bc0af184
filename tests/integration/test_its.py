"""The virtual GICv3 ITS and LPIs (guests/tests/its.c): MSIs through GITS_TRANSLATER become LPIs on the
vCPU of their collection (and the other one after MOVI), INT/CLEAR/INV/DISCARD, malformed commands stall
the queue and hyparm stays up; and Debian's kernel probes the ITS. Linux's virtio-mmio devices use wired
interrupts, not MSIs, so the LPIs delivered to a guest are the bare-metal test's."""
import re

import pytest

import hyparmrun as hr


@pytest.mark.timeout(90)
def test_its_lpis_delivered_moved_and_malformed_commands_stall(hv):
    res = hv.one(hv.guest("its"), cpus=2, pcpus="0,1")
    lines = res.vm_lines("g")
    for want in ("PASS: MSI event 1: LPI 8193 on vCPU 1", "PASS: after MOVI, event 0's LPI arrives on vCPU 1",
                 "PASS: CWRITER.Retry: the queue runs on", "PASS: a new CBASER: the ITS runs again"):
        hv.expect(any(want in l for l in lines), "no %r line" % want)
    # hyparm says which command stalled the queue, and why.
    hv.expect(any(re.search(r"vm g: ITS command 0x0a at CREADR 0x[0-9a-f]+: error 0x010a06", l) for l in res.lines),
              "hyparm did not report the stalled MAPTI")


@pytest.mark.timeout(90)
def test_its_on_cpu_max(hv):
    res = hv.run([hr.VM(hv.guest("its"), name="g", cpus=2, pcpus="0,1")], timeout=60, cpu_model="max")
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")


@pytest.mark.timeout(90)
def test_its_with_both_vcpus_on_one_cpu(hv):
    hv.one(hv.guest("its"), cpus=2, pcpus="0")


@pytest.mark.timeout(240)
def test_linux_probes_the_its(hv):
    hv.need_linux()
    prompt = r"/ # \x1b\[6n$"
    res = hv.run([hr.VM(hv.LINUX, name="lx", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=2, mem=256)],
                 timeout=180, script=[(prompt, "dmesg | grep -i -e its -e lpi; echo ITS-LOG-END\n"),
                                      (prompt, "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("lx")
    hv.expect(any("ITS-LOG-END" in l for l in lines), "the shell did not run the dmesg command")
    its = [l for l in lines if "ITS" in l or "LPI" in l]
    for want in (r"ITS \[mem 0x08080000-0x0809ffff\]", r"ITS@0x0000000008080000: allocated \d+ Devices",
                 r"ITS@0x0000000008080000: allocated \d+ Interrupt Collections",
                 r"Using hypervisor restricted LPI range \[64\]", r"CPU1: using allocated LPI pending table"):
        hv.expect(any(re.search(want, l) for l in lines), "no %r in the kernel log; its ITS lines: %s" % (want, its))
    bad = [l for l in its if re.search(r"fail|error|timeout|giving up|doesn't stick|not stick", l, re.I)]
    hv.expect(not bad, "ITS trouble in the kernel log: %s" % bad)
