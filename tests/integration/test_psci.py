"""SMCCC and PSCI as a guest sees them."""
import pytest

from conftest import GICS


@pytest.mark.timeout(60)
def test_smccc_and_psci_versions(hv):
    # KVM 6.1 on QEMU's cortex-a57 (no SMCCC 1.1 firmware): WORKAROUND_1 and _2 vulnerable, _3 left
    # alone because Spectre-v2 is (an A57 is BHB-affected): NOT_SUPPORTED for all three.
    hv.one(hv.guest("smccc"), params="expect_wa=-1,-1,-1")


@GICS
@pytest.mark.timeout(60)
def test_psci_cpu_on_off_affinity_and_error_codes(hv, gic):
    # Both vCPUs on one physical CPU, so that ON_PENDING is observable.
    hv.one(hv.guest("psci"), cpus=2, pcpus="0", gic=gic)
