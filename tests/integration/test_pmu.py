"""The guest's PMU (PMUv3): counting, EL2 work not counted, PMSWINC, the overflow interrupt on
INTID 23, and counters that never leak between two VMs on one physical CPU
(guests/tests/pmu.c)."""
import re

import pytest

import hyparmrun as hr
from conftest import GICS


@GICS
@pytest.mark.timeout(90)
def test_pmu_counts_filters_el2_and_interrupts(hv, gic):
    # -icount: QEMU implements the instruction event only with it (and then counts exactly).
    res = hv.run([hr.VM(hv.guest("pmu"), name="g")], timeout=60, gic=gic, icount=True)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    lines = res.vm_lines("g")
    hv.expect(any("INST_RETIRED counts" in l for l in lines), "the instruction event was not checked")


@pytest.mark.timeout(90)
def test_pmu_on_cpu_max(hv):
    res = hv.run([hr.VM(hv.guest("pmu"), name="g")], timeout=60, cpu_model="max", icount=True)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")
    hv.expect(any("INST_RETIRED counts" in l for l in res.vm_lines("g")), "the instruction event was not checked")


@pytest.mark.timeout(90)
def test_pmu_counters_do_not_leak_between_vms_on_one_cpu(hv):
    res = hv.run([hr.VM(hv.guest("pmu"), name="holder", params="role=holder", pcpus="0"),
                  hr.VM(hv.guest("pmu"), name="peeker", params="role=peeker", pcpus="0")], timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "holder")
    hv.guest_passed(res, "peeker")


@pytest.mark.timeout(240)
def test_linux_pmu_driver_and_perf_counts(hv):
    """Linux's armv8_pmuv3 driver probes on the generated DT node, its interrupt is INTID 23, and
    perf_event_open counts cycles and instructions of a known loop (guests/linux/perfcount.c).
    -icount: QEMU has the instruction event only with it (Linux boots quickly so, too)."""
    hv.need_linux()
    res = hv.run([hr.VM(hv.LINUX, name="l", initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=perf",
                        cpus=1, mem=256)], timeout=180, icount=True)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "l")
    lines = res.vm_lines("l")
    for want, what in ((r"hw perfevents: enabled with armv8_pmuv3", "driver probe"),
                       (r"event sources:.* armv8_pmuv3", "sysfs event source"),
                       (r"pmu interrupt .* 23 Level .*arm-pmu", "interrupt"),
                       (r"PASS: perf cycles", "cycles"), (r"PASS: perf instructions", "instructions")):
        hv.expect(any(re.search(want, l) for l in lines), "no %s line (%r)" % (what, want))
