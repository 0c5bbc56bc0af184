"""Firmware guests, booted as QEMU boots -bios (the manifest's `firmware`, the launcher's --bios):
the image in CFI flash bank 0 at IPA 0, the device tree at the start of RAM; the flash's
variables bank; the PL031 RTC every VM has. Debian's U-Boot (u-boot-qemu) and EDK2
(qemu-efi-aarch64) as guests; our own bare-metal tests of the flash and the RTC."""
import os
import re

import pytest

import hyparmrun as hr

UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"
EDK2 = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"


def need(path, package):
    __tracebackhide__ = True
    if not os.path.isfile(path):
        pytest.fail("%s missing: apt-get install %s (scripts/setup-deps.sh)" % (path, package), pytrace=False)


@pytest.mark.timeout(60)
def test_rtc_guest(hv):
    """The PL031's IDs, a counter after 2024 that advances, RTCLR, the match interrupt."""
    hv.one(hv.guest("rtc"))


@pytest.mark.timeout(60)
def test_flash_firmware_guest(hv):
    """A firmware of ours (guests/firmware/stub.S + guests/tests/flash.c) entered at IPA 0 with x0 = 0:
    CFI query and ID, bank 0 refusing program and erase, bank 1 programming, erasing, buffered
    writes, and keeping its content across the VM's reset."""
    res = hv.run([hr.VM(None, name="g", bios=hv.guest("flash-fw"))], timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect("hyparm: vm g: reset" in res.lines, "the guest's SYSTEM_RESET did not reset the VM")
    hv.guest_passed(res, "g")
    hv.expect(any("bank 1 kept the marker" in l for l in res.vm_lines("g")), "no check after the reset")
    hv.expect(res.vm_states.get("g") == "off", "the VM did not power off")


@pytest.mark.timeout(120)
def test_uboot_reaches_its_prompt_and_keeps_its_environment(hv):
    """Debian's U-Boot finds the DTB at the start of RAM, the flash (64 MiB) and the RTC, stops at
    its prompt and answers `version`; `saveenv` writes the environment into the variables bank,
    where U-Boot finds it again after `reset`."""
    need(UBOOT, "u-boot-qemu")
    prompt = r"=> "
    res = hv.run([hr.VM(None, name="ub", bios=UBOOT, mem=128)], timeout=90,
                 script=[("Hit any key to stop autoboot", "\r"), (prompt, "version\r"),
                         (prompt, "date\r"), (prompt, "setenv hyparm_test 42\r"), (prompt, "saveenv\r"),
                         (prompt, "reset\r"), ("Hit any key to stop autoboot", "\r"),
                         (prompt, "printenv hyparm_test\r"), (prompt, "poweroff\r")])
    lines = res.vm_lines("ub")
    hv.expect(any(l.startswith("U-Boot 2023") for l in lines), "no U-Boot banner")
    hv.expect(not any("No valid device tree binary" in l for l in lines), "U-Boot did not find the DTB")
    hv.expect(any(re.match(r"Flash: 64 MiB", l) for l in lines), "U-Boot did not find the flash")
    hv.expect(sum(1 for l in lines if l.startswith("U-Boot 2023")) >= 3, "`version` did not answer")
    dates = [re.search(r"Date: (\d{4})-", l) for l in lines]
    hv.expect(any(m and int(m.group(1)) >= 2024 for m in dates), "`date` (the PL031) is not 2024 or later")
    hv.expect(any("Saving Environment to Flash" in l for l in lines) and "OK" in lines, "saveenv failed")
    hv.expect("hyparm: vm ub: reset" in res.lines, "`reset` did not reset the VM")
    hv.expect(any("Loading Environment from Flash... OK" in l for l in lines), "the saved environment was not found")
    hv.expect("hyparm_test=42" in lines, "the saved variable did not survive the reset")
    hv.expect(res.status == hr.STATUS_OK and res.vm_states.get("ub") == "off",
              "status %d: %s (`poweroff` did not end the run)" % (res.status, res.why))


@pytest.mark.timeout(150)
def test_edk2_reaches_the_uefi_shell(hv):
    """Debian's EDK2 (ArmVirtQemu) runs from flash bank 0, formats its variable store in bank 1,
    finds no fw_cfg and no disk, and starts the UEFI Shell, which answers `ver`; `reset -s` powers
    the VM off."""
    need(EDK2, "qemu-efi-aarch64")
    res = hv.run([hr.VM(None, name="efi", bios=EDK2, mem=256)], timeout=120,
                 script=[(r"Shell> ", "ver\r"), (r"Shell> ", "reset -s\r")])
    lines = res.vm_lines("efi")
    hv.expect(any("UEFI firmware" in l for l in lines), "no EDK2 banner")
    hv.expect(not any("Synchronous Exception" in l for l in lines), "EDK2 took an exception")
    hv.expect(any("Shell> " in l for l in lines), "no UEFI Shell prompt")
    # The shell's banner, then `ver`'s answer: the same line twice.
    hv.expect(sum(1 for l in lines if "UEFI Interactive Shell v2" in l) >= 2, "`ver` did not answer")
    hv.expect(res.status == hr.STATUS_OK and res.vm_states.get("efi") == "off",
              "status %d: %s (`reset -s` did not power off)" % (res.status, res.why))


@pytest.mark.timeout(150)
def test_uboot_environment_outlives_the_run_in_a_host_file(hv, tmp_path):
    """With --flash-vars FILE (the manifest's flash-vars = "board"), the variables bank is written through
    to QEMU's pflash1, backed by FILE: what U-Boot saves in one run it finds in the next."""
    need(UBOOT, "u-boot-qemu")
    vars_file = str(tmp_path / "vars.img")
    prompt = r"=> "
    runs = []
    # One short line at a time: U-Boot polls its UART, and what does not fit the 32-byte FIFO is lost.
    for typed in (["setenv kept %d\r" % os.getpid(), "saveenv\r"], ["printenv kept\r"]):
        steps = [("Hit any key to stop autoboot", "\r")] + [(prompt, t) for t in typed] + [(prompt, "poweroff\r")]
        res = hv.run([hr.VM(None, name="ub", bios=UBOOT, mem=128, flash_vars=vars_file)], timeout=60,
                     script=steps)
        hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
        hv.expect("hyparm: vm ub: flash variables kept in the board's flash" in res.lines,
                  "hyparm did not take the board's flash for the variables")
        runs.append(res.vm_lines("ub"))
    hv.expect(os.path.getsize(vars_file) == hr.FLASH_BANK_SIZE, "the launcher did not make a 64 MiB file")
    hv.expect("OK" in runs[0], "saveenv failed in the first run")
    hv.expect(any("Loading Environment from Flash... OK" in l for l in runs[1]),
              "the second run found no saved environment")
    hv.expect("kept=%d" % os.getpid() in runs[1], "the variable did not outlive the run")
