"""The virtual GICv3: SGIs, SPIs, priorities and triggers, on one or two physical CPUs."""
import pytest


@pytest.mark.timeout(60)
def test_vgic_sgis_spis_priority_and_triggers(hv):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0,1")


@pytest.mark.timeout(60)
def test_vgic_with_both_vcpus_on_one_cpu(hv):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0")
