"""The guest's virtual and physical timers."""
import pytest

from conftest import GICS


@GICS
@pytest.mark.timeout(60)
def test_virtual_and_physical_timers(hv, gic):
    hv.one(hv.guest("vtimer"), gic=gic)


@pytest.mark.timeout(60)
def test_timer_edge_cases(hv):
    """guests/tests/timer_edge.c, cases (a)-(d) (see its header): (a) CNTP with CVAL=0 fires at
    once; (b) CNTV/CNTP with CVAL=~0 never fire and do not hang or storm the CPU; (c) a timer
    that expired with interrupts masked, then was disabled or moved forward, is not pending
    (ISPENDR) and no stale interrupt arrives after unmasking; (d) a CNTP_CTL read showing
    ISTATUS=1, unmasked, means the interrupt is pending from then on. (a)-(c) failed before
    the hardware-mapped timer and the deadline service."""
    hv.one(hv.guest("timer_edge"), timeout=15)
