"""The virtual GIC (v3, and v2 on a GICv2 host): SGIs, SPIs, priorities and triggers, on one or two
physical CPUs."""
import re

import pytest

from conftest import GICS


@GICS
@pytest.mark.timeout(60)
def test_vgic_sgis_spis_priority_and_triggers(hv, gic):
    res = hv.one(hv.guest("vgic"), cpus=2, pcpus="0,1", gic=gic)
    # The statistics printed at power-off count the interrupts the vGIC delivered, on either GIC.
    counts = [int(m.group(1)) for m in (re.search(r"^  vcpu \d: .*, interrupts (\d+),", l) for l in res.lines) if m]
    hv.expect(len(counts) == 2 and all(counts), "interrupts delivered per vCPU: %s" % counts)


@pytest.mark.timeout(60)
def test_vgic_with_both_vcpus_on_one_cpu(hv):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0")
