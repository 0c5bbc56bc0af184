"""hyparm on a second board: QEMU's Xilinx ZCU102 model (4 Cortex-A53s, a GIC-400, the Cadence
UART, RAM from 0) with Debian's device tree for it. Guests keep KVM's virt layout there; a small set
of the bare-metal tests and a 2-vCPU Linux guest, since the model's A53s are slow to emulate."""
import os

import pytest

import hyparmrun as hr
from test_linux import linux

ZCU102 = "zcu102"
ZCU102_DTB = hr.BOARDS[ZCU102].dtb
# Where QEMU places -kernel on the ZCU102 (RAM from 0, the image header's 2 MiB text offset rule).
ZCU102_HYPARM_PA = 0x200000


@pytest.fixture(autouse=True)
def need_dtb():
    if not os.path.isfile(ZCU102_DTB):
        pytest.fail("%s missing: run 'make linux' (scripts/fetch-linux.sh)" % ZCU102_DTB, pytrace=False)


@pytest.mark.timeout(90)
def test_zcu102_hello_banner_names_the_board(hv):
    res = hv.one(hv.guest("hello"), board=ZCU102, timeout=60)
    text = "\n".join(res.lines)
    # What hyparm found in the board's device tree, each from its own node.
    for want in ("machine: ZynqMP ZCU102", "Cortex-A53", "4 CPUs", "console: Cadence UART at 0xff000000, INTID 53",
                 "GIC: v2, distributor 0xf9010000, CPU interface 0xf9020000, virtual interface control "
                 "0xf9040000, virtual CPU interface 0xf9060000, maintenance INTID 25",
                 "RAM: 2048 MiB: 2048 MiB at 0x0"):
        hv.expect(want in text, "banner lacks '%s'" % want)
    # The guest sees the virt layout, not the board's.
    hv.expect(any("device tree memory at 0x40000000" in l for l in res.vm_lines("g")), "guest RAM not at 0x4000_0000")


@pytest.mark.timeout(120)
def test_zcu102_vgic_v2_across_two_cpus(hv):
    hv.one(hv.guest("vgic"), cpus=2, pcpus="0,1", board=ZCU102, timeout=90)


@pytest.mark.timeout(120)
def test_zcu102_virtual_and_physical_timers(hv):
    hv.one(hv.guest("vtimer"), board=ZCU102, timeout=90)


@pytest.mark.timeout(120)
def test_zcu102_psci_cpu_on_off(hv):
    hv.one(hv.guest("psci"), cpus=2, pcpus="0", board=ZCU102, timeout=90)


@pytest.mark.timeout(150)
def test_zcu102_isolation_from_hyparm_and_the_other_vm(hv):
    size = (os.path.getsize(hv.HYPARM) + 0xFFF) & ~0xFFF
    common = "secret=0x5ec7e75ec7e75ec7 hyp_base=0x%x hyp_size=0x%x" % (ZCU102_HYPARM_PA, size)
    res = hv.run([hr.VM(hv.guest("isolation"), name="writer", params="role=writer " + common, pcpus="0"),
                  hr.VM(hv.guest("isolation"), name="reader", params="role=reader " + common, pcpus="1")],
                 timeout=120, board=ZCU102)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "writer")
    hv.guest_passed(res, "reader")


@pytest.mark.timeout(400)
def test_zcu102_linux_2_vcpus(hv):
    linux(hv, "linux", 2, board=ZCU102, timeout=360)


def test_zcu102_limits_are_refused_with_the_reason():
    with pytest.raises(hr.UsageError, match="this board has 4 CPUs"):
        hr.board_machine(ZCU102, 2, None)
    with pytest.raises(hr.UsageError, match="at most 2048 MiB"):
        hr.board_machine(ZCU102, None, 4096)
    assert hr.board_machine(ZCU102) == (4, 2048)
    assert hr.board_machine("virt") == (2, 1024)
