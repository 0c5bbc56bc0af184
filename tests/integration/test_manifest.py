"""The VM manifest (docs/manifest.md) through the launcher: bad manifests and bad options are
refused before anything boots, with the file, the line and what was expected; the examples
give the VMs they describe, and boot."""
import os
import re
import shutil
import subprocess

import pytest

import hyparmrun as hr


def launcher(hv, *args):
    """tools/hyparm-run ARGS: (exit status, stdout + stderr)."""
    p = subprocess.run([os.path.join(hv.REPO, "tools", "hyparm-run")] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def vms_text(*bodies):
    """A manifest with VMs v0, v1, ... (bodies: their properties, one per line). VM i's node is
    on line 5 + 10*i, its compatible on the next, body[j] on line 7 + 10*i + j."""
    out = '/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n'
    for i, body in enumerate(bodies):
        lines = ['\t\t\tcompatible = "hyparm,vm";'] + ["\t\t\t" + l for l in body] + [""] * 8
        out += "\t\tv%d {\n%s\n\t\t};\n" % (i, "\n".join(lines[:8]))
    return out + "\t};\n};\n"


@pytest.fixture
def mdir(hv, tmp_path):
    """tmp_path with the files the manifests below name."""
    shutil.copy(hv.guest("hello"), tmp_path / "hello.bin")
    shutil.copy(hv.guest("smccc"), tmp_path / "smccc.bin")
    shutil.copy(os.path.join(hv.REPO, "build", "hyparm.elf"), tmp_path / "hyparm.elf")
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "big.cpio").write_bytes(b"\0" * (8 << 20))
    return tmp_path


def refused(hv, mdir, text, want, *opts):
    """The manifest text (mdir/m.dts) is refused with exit 4 and a message matching want."""
    __tracebackhide__ = True
    path = mdir / "m.dts"
    path.write_text(text)
    rc, out = launcher(hv, "--dry-run", *opts, "--manifest", str(path))
    hv.expect(rc == hr.STATUS_USAGE, "exit %d, want %d: %s" % (rc, hr.STATUS_USAGE, out))
    hv.expect(re.search(want, out), "no %r in: %s" % (want, out))
    hv.expect("qemu-system-aarch64" not in out, "refused, yet went on: " + out)


HELLO = 'kernel = "hello.bin";'


@pytest.mark.timeout(60)
def test_bad_manifests_are_refused_with_file_and_line(hv, mdir):
    m = r"\S*/m\.dts"
    cases = [
        # dtc's own errors: syntax, two nodes of one name (two VMs of one name)
        ('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest"\n};\n', m + r":4\.1-2 syntax error"),
        (vms_text([HELLO], [HELLO]).replace("v1 {", "v0 {"), m + r":15\.\d+-\d+\.\d+: ERROR \(duplicate_node_names\)"),
        # hyparm's checks, run by the launcher
        (vms_text([HELLO, 'memroy = "64M";']), m + r":8: /vms/v0: memroy: unknown property \(expected "),
        (vms_text([HELLO, 'vcpus = "2";']), m + r":8: /vms/v0: vcpus: expected one cell like <2>"),
        (vms_text([HELLO, 'vcpus = <0>;']), m + r":8: /vms/v0: vcpus: 0: expected 1\.\.8"),
        (vms_text([HELLO, 'vcpus = <9>;']), m + r":8: /vms/v0: vcpus: 9: expected 1\.\.8"),
        (vms_text([HELLO, 'affinity = <1 2>;']),
         m + r":8: /vms/v0: affinity: physical CPU 2 does not exist \(the machine has 2: 0\.\.1\)"),
        (vms_text([HELLO, 'devices = "gicv3", "pl011", "gicv3";']),
         m + r":8: /vms/v0: devices: 'gicv3' is listed twice: the two would overlap"),
        (vms_text([HELLO, 'memory = "512M";'], [HELLO, 'memory = "512M";']),
         m + r":18: /vms/v1: memory: the VMs so far need 1024 MiB, more than the \d+ MiB the machine has"),
        (vms_text(['kernel = "nope.bin";']), m + r":7: /vms/v0: kernel: no file 'nope.bin'"),
        (vms_text(['kernel = "empty.bin";']), m + r":7: /vms/v0: kernel: 'empty.bin' is empty"),
        (vms_text(['kernel = "hyparm.elf";']), m + r":7: /vms/v0: kernel: 'hyparm.elf' is an ELF file"),
        (vms_text(['kernel = "m.dts";']), m + r":7: /vms/v0: kernel: 'm.dts' looks like text"),
        (vms_text([HELLO, 'initrd = "big.cpio";', 'memory = "8M";']),
         m + r":8: /vms/v0: initrd: the images do not fit: VM RAM too small"),
    ]
    for text, want in cases:
        refused(hv, mdir, text, want)


@pytest.mark.timeout(60)
def test_the_machine_options_are_what_the_manifest_is_checked_against(hv, mdir):
    two_big = vms_text([HELLO, 'memory = "512M";', "affinity = <3>;"], [HELLO, 'memory = "512M";'])
    refused(hv, mdir, two_big, r"affinity: physical CPU 3 does not exist \(the machine has 2", "--pcpus-total", "2")
    refused(hv, mdir, two_big, r":18: /vms/v1: memory: the VMs so far need 1024 MiB", "--pcpus-total", "4")
    rc, out = launcher(hv, "--dry-run", "--pcpus-total", "4", "--ram", "2048", "--manifest", str(mdir / "m.dts"))
    hv.expect(rc == 0, "exit %d: %s" % (rc, out))


@pytest.mark.timeout(60)
def test_bad_options_are_refused_with_the_generated_line(hv):
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("hello"), "-n", "g", "-c", "0")
    hv.expect(rc == hr.STATUS_USAGE, "exit %d: %s" % (rc, out))
    # The generated manifest's line is told as the option that made it.
    hv.expect("VM g (-k %s), -c 0: vcpus: 0: expected 1..8" % hv.guest("hello") in out and "options.dts" not in out,
              "no refusal naming -c 0: " + out)
    rc, out = launcher(hv, "--dry-run", "-k", hv.guest("hello"), "--pcpus", "5")
    hv.expect(rc == hr.STATUS_USAGE and "affinity: physical CPU 5 does not exist" in out, out)
    rc, out = launcher(hv, "--dry-run", "-k", "/nonexistent/Image")
    hv.expect(rc == hr.STATUS_USAGE and "kernel: no file '/nonexistent/Image'" in out, out)
    rc, out = launcher(hv, "--dry-run", "--manifest", "/nonexistent.dts")
    hv.expect(rc == hr.STATUS_USAGE and "manifest '/nonexistent.dts' does not exist" in out, out)


def dry_run_vms(hv, example, *opts):
    rc, out = launcher(hv, "--dry-run", *opts, "--manifest", os.path.join(hv.REPO, "examples", example))
    hv.expect(rc == 0, "%s: exit %d: %s" % (example, rc, out))
    vms = re.findall(r"^# vm (\S+): (\d+) vCPU\(s\), (\d+) MiB, kernel (\S+)$", out, re.M)
    bundle = re.findall(r"^# bundle: (\S+) <- ", out, re.M)
    return [(n, int(c), int(m), k) for n, c, m, k in vms], bundle


@pytest.mark.timeout(60)
def test_examples_describe_their_vms_and_hold_each_image_once(hv):
    hv.need_linux()
    vms, bundle = dry_run_vms(hv, "one-linux.dts")
    hv.expect(vms == [("linux", 2, 256, "Image")], str(vms))
    vms, bundle = dry_run_vms(hv, "linux-and-two-baremetal.dts")
    hv.expect(vms == [("linux", 1, 256, "Image"), ("hello", 1, 64, "hello.bin"), ("smccc", 1, 32, "smccc.bin")],
              str(vms))
    # The default 1 GiB machine holds all eight (no --ram).
    vms, bundle = dry_run_vms(hv, "eight-linux-on-two-cpus.dts")
    hv.expect(vms == [("linux%d" % i, 2, 96, "Image") for i in range(8)], str(vms))
    hv.expect(sorted(bundle) == ["Image", "initramfs.cpio.gz", "manifest.dtb"], "bundle: %s" % bundle)


@pytest.mark.timeout(60)
def test_two_vms_of_one_image_boot_from_a_manifest(hv, mdir):
    path = mdir / "two.dts"
    path.write_text(vms_text([HELLO, 'bootargs = "first";', "affinity = <0>;"],
                             ['kernel = "./hello.bin";', 'bootargs = "second";', "affinity = <1>;"]))
    res = hv.run(manifest=str(path), timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for vm, args in (("v0", "first"), ("v1", "second")):
        hv.guest_passed(res, vm)
        hv.expect(any("hello from guest (bootargs: '%s')" % args in l for l in res.vm_lines(vm)),
                  "%s did not greet with its bootargs" % vm)


@pytest.mark.timeout(180)
def test_linux_and_two_baremetal_example_boots(hv):
    """examples/linux-and-two-baremetal.dts: the bare-metal guests pass and power off on CPU 1
    while Linux comes up to its shell on CPU 0."""
    hv.need_linux()
    res = hv.run(manifest=os.path.join(hv.REPO, "examples", "linux-and-two-baremetal.dts"), timeout=150,
                 script=[(r"/ # \x1b\[6n$", "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "hello")
    hv.guest_passed(res, "smccc")
    for vm in ("linux", "hello", "smccc"):
        hv.expect(res.vm_states.get(vm) == "off", "%s did not power off: %s" % (vm, res.vm_states))
