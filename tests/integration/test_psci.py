"""SMCCC and PSCI as a guest sees them."""
import pytest

from conftest import GICS


@pytest.mark.timeout(60)
def test_smccc_and_psci_versions(hv):
    hv.one(hv.guest("smccc"))


@GICS
@pytest.mark.timeout(60)
def test_psci_cpu_on_off_affinity_and_error_codes(hv, gic):
    # Both vCPUs on one physical CPU, so that ON_PENDING is observable.
    hv.one(hv.guest("psci"), cpus=2, pcpus="0", gic=gic)
