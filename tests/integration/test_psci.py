"""SMCCC and PSCI as a guest sees them."""
import pytest


@pytest.mark.timeout(60)
def test_smccc_and_psci_versions(hv):
    hv.one(hv.guest("smccc"))


@pytest.mark.timeout(60)
def test_psci_cpu_on_off_affinity_and_error_codes(hv):
    # Both vCPUs on one physical CPU, so that ON_PENDING is observable.
    hv.one(hv.guest("psci"), cpus=2, pcpus="0")
