"""Self-hosted debug for guests (arch/arm64/debug.c): hardware breakpoints, watchpoints,
single step and the OS lock in a bare-metal guest, each vCPU's debug registers its own."""
import pytest

import hyparmrun as hr


@pytest.mark.timeout(90)
def test_guest_breakpoints_watchpoints_single_step_and_os_lock(hv):
    """cortex-a57: 6 breakpoints and 4 watchpoints advertised, all working. Two vCPUs of the
    VM and a second VM share physical CPU 0, so their debug registers are switched often."""
    res = hv.run([hr.VM(hv.guest("debug"), name="dbg", cpus=2, params="expect_brps=6 expect_wrps=4", pcpus="0"),
                  hr.VM(hv.guest("debug"), name="other", params="role=other pattern=0x5000", pcpus="0")],
                 timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "dbg")
    hv.guest_passed(res, "other")
    hv.expect(any("7 single steps, one per instruction" in l for l in res.vm_lines("dbg")), "no single-step check")
