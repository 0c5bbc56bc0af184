"""virtio-blk backed by a host file (vdev/virtio_blk.c over drivers/virtio_blk.c): what a guest
wrote and synced is in the host file even when QEMU is killed right after, a read-only disk
refuses writes, and two writers of one file are refused."""
import hashlib
import os
import shutil

import pytest

import hyparmrun as hr

PATTERN = "".join("hyparm-blk-pattern-%d\n" % i for i in range(1, 2001)).encode()
OFFSET = 16 * 4096  # rc.sh's dd seek=16 bs=4096
LINUX_ARGS = "console=ttyAMA0 quiet hyparm.test=%s"


def linux_vm(hv, test, disks, name="l"):
    return hr.VM(hv.LINUX, name=name, initrd=hv.INITRD, params=LINUX_ARGS % test, mem=256, disks=disks)


def new_disk(tmp_path, name="disk.img", size=16 << 20):
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


@pytest.mark.timeout(300)
def test_synced_writes_survive_a_killed_qemu(hv, tmp_path):
    """dd + sync in the guest, QEMU SIGKILLed as soon as sync returned: the host file has the
    pattern, and a second boot reads it back through the device."""
    hv.need_linux()
    disk = new_disk(tmp_path)
    res = hv.run([linux_vm(hv, "blk-write", [(disk, False)])], timeout=120, until=r"hyparm-guest: synced")
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: vda 32768 sectors ro=0" in lines, "the guest's /dev/vda is not the 16 MiB disk")
    hv.expect("hyparm-guest: dd ok" in lines, "dd to /dev/vda failed")
    with open(disk, "rb") as f:
        f.seek(OFFSET)
        hv.expect(f.read(len(PATTERN)) == PATTERN, "the host file lacks the synced pattern")
    res = hv.run([linux_vm(hv, "blk-read", [(disk, False)])], timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    want = hashlib.md5(PATTERN).hexdigest()
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: pattern md5 %s" % want in lines, "the guest's own pattern differs from the test's")
    hv.expect("hyparm-guest: vda md5 %s" % want in lines, "the second boot read back something else")


@pytest.mark.timeout(200)
def test_read_only_disk_refuses_writes(hv, tmp_path):
    hv.need_linux()
    disk = new_disk(tmp_path)
    before = open(disk, "rb").read()
    res = hv.run([linux_vm(hv, "blk-ro", [(disk, True)])], timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: vda ro=1" in lines, "the guest does not see the disk read-only")
    hv.expect(any("Operation not permitted" in l or "Read-only" in l or "I/O error" in l for l in lines),
              "dd to the read-only disk did not fail")
    hv.expect(open(disk, "rb").read() == before, "the read-only disk's file changed")


@pytest.mark.timeout(60)
def test_two_writers_of_one_file_are_refused(hv, tmp_path):
    disk = new_disk(tmp_path)
    res = hv.run([hr.VM(hv.guest("hello"), name="a", disks=[(disk, False)]),
                  hr.VM(hv.guest("hello"), name="b", disks=[(disk, False)])], timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "two writers of one disk file were accepted")
    hv.expect("already another disk's" in res.why or any("already another disk's" in l for l in res.lines),
              "no clear refusal: %s" % res.why)


@pytest.mark.timeout(90)
def test_hostile_requests_complete_with_errors_and_the_other_vm_runs(hv, tmp_path):
    """Sectors past the disk or wrapping, reads off its end, huge and odd lengths, wrong buffer
    directions, a readable status, an unknown type, a short header (guests/tests/blkhostile.c):
    each completes with IOERR/UNSUPP (or length 0 without a status byte), the queue keeps working,
    the host file is untouched and the survivor VM on the same CPU finishes."""
    disk = tmp_path / "hostile.img"
    disk.write_bytes(b"HB" + bytes((1 << 20) - 2))
    before = disk.read_bytes()
    shutil.copy(hv.guest("blkhostile"), tmp_path / "blkhostile.bin")
    shutil.copy(hv.guest("survivor"), tmp_path / "survivor.bin")
    m = tmp_path / "m.dts"
    m.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n'
                 '\t\th {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "blkhostile.bin";\n'
                 '\t\t\tmemory = "32M";\n\t\t\taffinity = <1>;\n'
                 '\t\t\tdisk0 {\n\t\t\t\tcompatible = "hyparm,virtio-blk";\n\t\t\t\tfile = "hostile.img";\n'
                 '\t\t\t};\n\t\t};\n'
                 '\t\ts {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "survivor.bin";\n'
                 '\t\t\tmemory = "32M";\n\t\t\taffinity = <1>;\n\t\t};\n\t};\n};\n')
    res = hv.run(manifest=str(m), timeout=70)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "h")
    hv.guest_passed(res, "s")
    hv.expect(disk.read_bytes() == before, "the hostile guest changed the disk file")


def gpt_image(path, parts, sectors=8192, corrupt=False):
    """A disk image with a GPT (as sgdisk writes one) of parts [(first, last)], each partition's
    first sector starting with b"HB", everything else b"XX"..."""
    import struct
    import zlib
    img = bytearray(b"X" * (sectors * 512))
    entries = bytearray(128 * 128)
    for i, (first, last) in enumerate(parts):
        e = struct.pack("<16s16sQQQ", bytes([0xA0 + i]) * 16, bytes([0xB0 + i]) * 16, first, last, 0)
        entries[128 * i:128 * i + len(e)] = e
        img[first * 512:first * 512 + 2] = b"HB"
    hdr = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, 1, sectors - 1, 34,
                                sectors - 34, bytes(16), 2, 128, 128, zlib.crc32(bytes(entries))))
    struct.pack_into("<I", hdr, 16, zlib.crc32(bytes(hdr)) ^ (1 if corrupt else 0))
    img[512:512 + 512] = bytes(hdr) + bytes(512 - len(hdr))
    img[1024:1024 + len(entries)] = entries
    with open(path, "wb") as f:
        f.write(img)


def two_vm_manifest(hv, tmp_path, image, parts, guest="blkhostile"):
    shutil.copy(hv.guest(guest), tmp_path / (guest + ".bin"))
    vms = ""
    for name, part in zip(("p", "q"), parts):
        vms += ('\t\t%s {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "%s.bin";\n\t\t\tmemory = "32M";\n'
                '\t\t\tdisk0 {\n\t\t\t\tcompatible = "hyparm,virtio-blk";\n\t\t\t\tfile = "%s";\n'
                '\t\t\t\tpartition = <%d>;\n\t\t\t};\n\t\t};\n' % (name, guest, image, part))
    m = tmp_path / "m.dts"
    m.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n' + vms + '\t};\n};\n')
    return str(m)


@pytest.mark.timeout(90)
def test_two_vms_on_two_gpt_partitions_of_one_file(hv, tmp_path):
    """Each VM sees its own 1 MiB partition (capacity 2048, its first sector "HB"); the hostile
    requests past its end (the other partition's sectors) get IOERR; the file is unchanged."""
    gpt_image(tmp_path / "gpt.img", [(2048, 4095), (4096, 6143)])
    before = (tmp_path / "gpt.img").read_bytes()
    res = hv.run(manifest=two_vm_manifest(hv, tmp_path, "gpt.img", (1, 2)), timeout=70)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "p")
    hv.guest_passed(res, "q")
    hv.expect((tmp_path / "gpt.img").read_bytes() == before, "a VM wrote outside its partition")


@pytest.mark.timeout(60)
def test_a_corrupt_gpt_and_a_shared_writable_partition_are_refused(hv, tmp_path):
    gpt_image(tmp_path / "bad.img", [(2048, 4095), (4096, 6143)], corrupt=True)
    res = hv.run(manifest=two_vm_manifest(hv, tmp_path, "bad.img", (1, 2)), timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "a GPT with a bad header CRC was accepted")
    hv.expect(any("GPT header CRC32" in l for l in res.lines), "no clear refusal of the bad GPT")
    gpt_image(tmp_path / "gpt.img", [(2048, 4095), (4096, 6143)])
    res = hv.run(manifest=two_vm_manifest(hv, tmp_path, "gpt.img", (1, 1)), timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "two writers of one partition were accepted")
    hv.expect(any("already another disk's" in l for l in res.lines), "no clear refusal of the shared partition")


def test_launcher_disk_option(hv, tmp_path):
    """-d FILE[,ro] makes a disk node and QEMU's modern virtio-blk-device; a bad flag is refused."""
    import subprocess
    disk = new_disk(tmp_path, size=1 << 20)
    tool = os.path.join(hv.REPO, "tools", "hyparm-run")
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "-d", disk + ",ro"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode == 0, p.stdout)
    hv.expect('compatible = "hyparm,virtio-blk";' in p.stdout and "read-only;" in p.stdout, p.stdout)
    hv.expect("-global virtio-mmio.force-legacy=false" in p.stdout, "QEMU's transports left legacy")
    hv.expect("file=%s,if=none,format=raw,id=hd0,readonly=on" % disk in p.stdout, p.stdout)
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "-d", disk + ",rw"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode != 0 and "',ro'" in p.stdout, p.stdout)


@pytest.mark.timeout(300)
def test_ext4_file_synced_survives_a_killed_qemu(hv, tmp_path):
    """An ext4 disk (mkfs.ext4 on the host): the guest mounts it, writes a file, syncs; QEMU is
    SIGKILLed right after. debugfs finds the file in the host image; the next boot mounts the
    (journal-recovered) file system and reads the same file."""
    import subprocess
    hv.need_linux()
    hv.expect(os.path.isfile(os.path.join(hv.REPO, "deps", "linux", "modules", "ext4.ko")),
              "deps/linux lacks the ext4 modules: run scripts/fetch-linux.sh, then make linux")
    disk = new_disk(tmp_path, size=32 << 20)
    subprocess.run(["/sbin/mkfs.ext4", "-q", "-F", disk], check=True)
    pattern = "".join("hyparm-ext4-pattern-%d\n" % i for i in range(1, 2001)).encode()
    res = hv.run([linux_vm(hv, "blk-ext4-write", [(disk, False)])], timeout=120, until=r"hyparm-guest: synced")
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect("hyparm-guest: mounted" in res.vm_lines("l"), "the guest could not mount the ext4 disk")
    # On a copy, as a host would after a crash: e2fsck replays the journal (what sync committed may
    # sit there only) and must find the file system sound (exit 0 or 1: clean, or journal replayed).
    copy = str(tmp_path / "copy.img")
    shutil.copy(disk, copy)
    fsck = subprocess.run(["/sbin/e2fsck", "-fy", copy], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60)
    hv.expect(fsck.returncode in (0, 1), "e2fsck of the killed guest's disk: %s" % fsck.stdout)
    p = subprocess.run(["/sbin/debugfs", "-R", "cat /pattern.txt", copy], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=60)
    hv.expect(p.stdout == pattern, "debugfs does not find the synced file in the host image (%d bytes)"
              % len(p.stdout))
    res = hv.run([linux_vm(hv, "blk-ext4-read", [(disk, False)])], timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: file md5 %s" % hashlib.md5(pattern).hexdigest() in lines,
              "the second boot read another file")
    hv.expect("hyparm-guest: unmounted" in lines, "umount failed")
