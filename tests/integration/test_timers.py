"""The guest's virtual and physical timers."""
import pytest


@pytest.mark.timeout(60)
def test_virtual_and_physical_timers(hv):
    hv.one(hv.guest("vtimer"))
