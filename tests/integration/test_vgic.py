"""The virtual GIC (v3, and v2 on a GICv2 host): SGIs, SPIs, priorities and triggers, on one or two
physical CPUs."""
import pytest

from conftest import GICS


@GICS
@pytest.mark.timeout(60)
def test_vgic_sgis_spis_priority_and_triggers(hv, gic):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0,1", gic=gic)


@pytest.mark.timeout(60)
def test_vgic_with_both_vcpus_on_one_cpu(hv):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0")
