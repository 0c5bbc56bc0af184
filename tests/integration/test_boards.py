"""hyparm on a second board: QEMU's Xilinx ZCU102 model (4 Cortex-A53s, a GIC-400, the Cadence
UART, RAM from 0) with Debian's device tree for it. Guests keep KVM's virt layout there; a small set
of the bare-metal tests and a 2-vCPU Linux guest, since the model's A53s are slow to emulate."""
import os
import re
import shutil
import subprocess

import pytest

import hyparmrun as hr
from test_linux import LONG_LINE, linux

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
def test_zcu102_console_input_reaches_the_guest_and_the_monitor(hv):
    """What is typed comes in through the Cadence UART's receive interrupt: to the guest, then
    (Ctrl-a three times) to hyparm's monitor, and back."""
    res = hv.run([hr.VM(hv.guest("echo"), name="g")], timeout=90, board=ZCU102, script=[
        (r"\[g\] echo up", "x"),
        (r"\[g\] echo: 0x78", "\x01\x01\x01"),
        (r"console input goes to the monitor", "list\r"),
        (r"hyparm> $", "console g\r"),
        (r"console input goes to vm g", "q"),
    ])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect("echo: 0x78" in res.vm_lines("g"), "'x' did not reach the guest")
    hv.expect(re.search(r"^\d+\s+g\s+running\s+1\s+\d+\s+\d+", "\n".join(res.lines), re.M),
              "the monitor's list shows no running VM g")
    hv.expect(res.vm_states.get("g") == "off", "'q' did not reach the guest after the monitor")


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


@pytest.mark.timeout(240)
def test_zcu102_linux_shell_takes_a_long_typed_line(hv):
    """The Debian guest's shell on the ZCU102: a line longer than the guest UART's FIFO, typed at
    once, arrives whole (the Cadence UART's receive interrupt off while the guest drains, back on
    when it reads), and poweroff ends the run."""
    hv.need_linux()
    prompt = r"/ # \x1b\[6n$"
    res = hv.run([hr.VM(hv.LINUX, name="sh", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=2, mem=256)],
                 timeout=200, board=ZCU102, script=[(prompt, LONG_LINE), (prompt, "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect("201" in res.vm_lines("sh"), "a %d-byte line typed at once did not arrive whole" % len(LONG_LINE))
    hv.expect(res.vm_states.get("sh") == "off", "the VM did not power off")


def test_zcu102_limits_are_refused_with_the_reason():
    with pytest.raises(hr.UsageError, match="this board has 4 CPUs"):
        hr.board_machine(ZCU102, 2, None)
    with pytest.raises(hr.UsageError, match="at most 2048 MiB"):
        hr.board_machine(ZCU102, None, 4096)
    assert hr.board_machine(ZCU102) == (4, 2048)
    assert hr.board_machine("virt") == (2, 1024)


@pytest.mark.timeout(240)
def test_uboot_boots_hyparm_with_booti_and_hyparm_boots_linux(hv):
    """As on a board: Debian's U-Boot is the firmware at EL2 on virt, hyparm and its bundle are in
    RAM, and the commands typed at U-Boot's prompt (hr.uboot_commands: the bundle's place in
    /chosen/hyparm,bundle, then booti without an initrd) start hyparm, which boots a 2-vCPU Linux."""
    if not os.path.isfile(hr.UBOOT):
        pytest.fail("%s missing: apt-get install u-boot-qemu" % hr.UBOOT, pytrace=False)
    hv.need_linux()
    params = "console=ttyAMA0 quiet hyparm.test=smp hyparm.cpus=2"
    res = hv.run([hr.VM(hv.LINUX, name="ub", initrd=hv.INITRD, params=params, cpus=2, mem=256, pcpus="0,1")],
                 timeout=200, boot="uboot")
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    text = res.lines
    booti = [i for i, l in enumerate(text) if l.startswith("=> booti 0x%x - " % hr.UBOOT_HYPARM_ADDR)]
    started = [i for i, l in enumerate(text) if l.startswith("Starting kernel")]
    banner = [i for i, l in enumerate(text) if l.startswith("hyparm ") and "running at EL2" in l]
    hv.expect(any(l.startswith("U-Boot 2023") for l in text), "no U-Boot banner")
    hv.expect(booti and started and banner and booti[0] < started[0] < banner[0],
              "U-Boot's booti did not start hyparm (booti %s, Starting kernel %s, banner %s)"
              % (booti, started, banner))
    hv.expect("hyparm: loaded at 0x%x, " % hr.UBOOT_HYPARM_ADDR in "\n".join(text),
              "hyparm did not run where U-Boot was told to start it")
    hv.guest_passed(res, "ub")
    hv.expect(res.vm_states.get("ub") == "off", "ub did not power off")


@pytest.mark.timeout(120)
def test_uboot_loads_hyparm_and_its_bundle_from_a_virtio_disk(hv, tmp_path):
    """The board user's way (docs/boards.md): hyparm.bin and the bundle are files on a disk (ext4
    on a virtio disk here, an SD card on a board), U-Boot loads both, puts the bundle's size
    (${filesize}) into /chosen/hyparm,bundle and boots hyparm with booti."""
    if not os.path.isfile(hr.UBOOT):
        pytest.fail("%s missing: apt-get install u-boot-qemu" % hr.UBOOT, pytrace=False)
    files, work = tmp_path / "disk", tmp_path / "work"
    files.mkdir()
    work.mkdir()
    shutil.copyfile(hv.HYPARM, str(files / "hyparm.bin"))
    shutil.copyfile(hr.write_bundle([hr.VM(hv.guest("hello"), name="g")], str(work)), str(files / "bundle.cpio"))
    disk = str(tmp_path / "boot.img")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-d", str(files), disk, "16M"], check=True)
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3,virtualization=on", "-cpu", "cortex-a57", "-smp", "2",
           "-m", "1024", "-nographic", "-net", "none", "-bios", hr.UBOOT,
           "-drive", "if=none,file=%s,format=raw,id=boot" % disk, "-device", "virtio-blk-device,drive=boot"]
    typed = ["virtio scan", "load virtio 0 ${kernel_addr_r} hyparm.bin", "load virtio 0 0x48000000 bundle.cpio",
             "fdt addr ${fdt_addr}", "fdt resize 1024",
             "fdt set /chosen hyparm,bundle <0x0 0x48000000 0x0 0x${filesize}>",
             "booti ${kernel_addr_r} - ${fdt_addr}"]
    script = [("Hit any key to stop autoboot", "\r")] + [(hr.UBOOT_PROMPT, c + "\r") for c in typed]
    w = hr.watch(cmd, timeout=90, stop=r"^hyparm: all VMs stopped", script=script)
    text = "\n".join(w.lines)
    hv.expect(re.search(r"^\d+ bytes read", text, re.M), "U-Boot read nothing from the disk")
    hv.expect("hyparm: loaded at 0x40400000, " in text, "hyparm did not start from U-Boot's kernel_addr_r")
    hv.expect("[g] RESULT: 4 passed, 0 failed" in text and "hyparm: vm g: powered off" in text,
              "the guest did not pass and power off: %s" % w.lines[-5:])


@pytest.mark.timeout(240)
def test_zcu102_bench_rows_are_all_measured():
    """make bench's boards part on the ZCU102 (bench-anygic on a virtual GICv2): every exit-path row
    has a figure, none is skipped, and the trapping ones cost something."""
    import bench
    rows, skipped = bench.board_micro_run("zcu102", 2, 50, print)
    assert not skipped, "skipped on the ZCU102: %s" % skipped
    missing = [name for name, _ in bench.MICRO_ROWS if name not in rows]
    assert not missing, "no figure for %s" % missing
    for name in ("null_hvc", "sysreg_trap_read", "mmio_read_gicd_iidr", "mmio_read_uart_fr", "ipi_roundtrip",
                 "vtimer_latency"):
        assert rows[name]["min_ns"] > 0 and rows[name]["n"] > 0, "%s: %s" % (name, rows[name])
