"""virtio-net and hyparm's switch (vdev/virtio_net.c, core/vswitch.c): two Debian VMs with the
stock virtio_net module ping each other and move a few MB over TCP (busybox nc) whose md5 the
receiver reports; MACs are the manifest's or stable per VM name; a hostile bare-metal driver
(guests/tests/nethostile.c) next to them is refused without disturbing them or hyparm."""
import hashlib
import os
import subprocess

import pytest

import hyparmrun as hr

ARGS = "console=ttyAMA0 quiet hyparm.test=net-%s hyparm.ip=%s hyparm.peer=%s hyparm.count=%d"
COUNT = 500000  # `seq 1 500000`: 3.4 MB


def seq_md5(count):
    data = "".join("%d\n" % i for i in range(1, count + 1)).encode()
    return len(data), hashlib.md5(data).hexdigest()


def mac_from_name(name):
    """vdev/virtio_net.c's vnet_mac_from_name: 02:68 and the FNV-1a hash of the name."""
    h = 2166136261
    for c in name.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return "02:68:%02x:%02x:%02x:%02x" % (h >> 24, (h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF)


def pair(hv, count, mac_a=""):
    return [hr.VM(hv.LINUX, name="a", initrd=hv.INITRD, params=ARGS % ("send", "10.0.0.1", "10.0.0.2", count),
                  mem=256, pcpus="0", network=mac_a),
            hr.VM(hv.LINUX, name="b", initrd=hv.INITRD, params=ARGS % ("recv", "10.0.0.2", "10.0.0.1", count),
                  mem=256, pcpus="1", network="")]


def check_transfer(hv, res, count):
    __tracebackhide__ = True
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(not any("FAULT in hyparm" in l for l in res.lines), "hyparm faulted")
    for vm in ("a", "b"):
        hv.expect("hyparm-guest: ping 3 packets received" in res.vm_lines(vm), "vm %s: ping failed" % vm)
    size, md5 = seq_md5(count)
    lines = res.vm_lines("b")
    times = [l.split()[-2:] for l in lines if l.startswith("hyparm-guest: net recv time ")]
    if times:  # a rough figure for the log (pytest -s): listening to last byte, connect retries included
        t = float(times[0][1]) - float(times[0][0])
        print("net: %d bytes in %.2f s: %.2f MB/s" % (size, t, size / t / 1e6 if t > 0 else 0))
    hv.expect("hyparm-guest: net listening for %d bytes" % size in lines, "b did not listen for the transfer")
    hv.expect("hyparm-guest: net recv md5 %s" % md5 in lines,
              "b received something else: %s" % [l for l in lines if "md5" in l])


@pytest.mark.timeout(500)
def test_two_linux_vms_ping_and_move_megabytes_over_tcp(hv):
    """ping both ways, then 3.4 MB over TCP with the md5 the test computes; a's MAC is the
    manifest's, b's derived from its name."""
    hv.need_linux()
    res = hv.run(pair(hv, COUNT, mac_a="02:00:00:00:00:0a"), timeout=420, until=r"hyparm-guest: net recv md5")
    check_transfer(hv, res, COUNT)
    hv.expect("hyparm-guest: eth0 mac 02:00:00:00:00:0a" in res.vm_lines("a"), "a's MAC is not its node's")
    hv.expect("hyparm-guest: eth0 mac %s" % mac_from_name("b") in res.vm_lines("b"),
              "b's MAC is not the one derived from its name")


@pytest.mark.timeout(1500)
def test_hostile_driver_next_to_linux_vms(hv):
    """Three runs: the hostile guest's malformed chains, bad receive buffers (one in RAM it never
    touched), spoofed and flooded frames are each refused or served as the spec says (its checks
    pass); meanwhile the Linux pair pings and moves 1.3 MB intact; hyparm stays up, also when the
    hostile VM powers off and gives its RAM back while the others still send."""
    hv.need_linux()
    for run in range(3):
        # restart = "always": once its checks are done it boots again, and again, while the others send:
        # each reset quiesces its device (no other CPU writes its RAM) and reopens its port.
        vms = pair(hv, 200000) + [hr.VM(hv.guest("nethostile"), name="h", mem=32, pcpus="1", network="",
                                        restart="always")]
        res = hv.run(vms, timeout=420, until=r"hyparm-guest: net recv md5")
        check_transfer(hv, res, 200000)
        hv.guest_passed(res, "h")
        hv.expect(res.vm_restarts.get("h", 0) >= 1, "run %d: the hostile VM did not boot again" % run)
        hv.expect(res.vm_lines("h").count("PASS: a good frame is sent") >= 2,
                  "run %d: after its reset the hostile VM's device does not send" % run)
        # Its power-off report: the ten malformed chains counted, the 200 foreign sources refused.
        at = [i for i, l in enumerate(res.lines) if l.startswith("  device virtio-net %s:" % mac_from_name("h"))]
        hv.expect(at and at[0] + 1 < len(res.lines), "no virtio-net counters in h's power-off report")
        dev, port = res.lines[at[0]], res.lines[at[0] + 1]
        hv.expect(", 10 malformed;" in dev, "h's malformed chains miscounted: %s" % dev)
        hv.expect("100 spoofed, 100 bad source" in port, "h's foreign sources not refused: %s" % port)


def test_launcher_network_option(hv):
    """--network makes a hyparm,virtio-net node (mac= only with a MAC); another option is refused."""
    tool = os.path.join(hv.REPO, "tools", "hyparm-run")
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "--network", "mac=02:00:00:00:00:07"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode == 0, p.stdout)
    hv.expect('compatible = "hyparm,virtio-net";' in p.stdout and 'mac = "02:00:00:00:00:07";' in p.stdout,
              p.stdout)
    p = subprocess.run([tool, "--dry-run", "-k", hv.guest("hello"), "--network", "tap=eth0"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    hv.expect(p.returncode == hr.STATUS_USAGE and "mac=" in p.stdout, p.stdout)


@pytest.mark.timeout(60)
def test_bad_and_duplicate_macs_are_refused(hv):
    """A group address is refused with the node's place; two VMs with one MAC are refused."""
    res = hv.run([hr.VM(hv.guest("hello"), name="x", network="01:00:00:00:00:01")], timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "a multicast MAC was accepted")
    hv.expect(any("not a station MAC address" in l for l in res.lines + [res.why]), "no clear refusal: %s" % res.why)
    res = hv.run([hr.VM(hv.guest("hello"), name="x", network="02:00:00:00:00:01"),
                  hr.VM(hv.guest("hello"), name="y", network="02:00:00:00:00:01")], timeout=40)
    hv.expect(res.status != hr.STATUS_OK, "two VMs with one MAC were accepted")
    hv.expect(any("is another VM's" in l for l in res.lines + [res.why]), "no clear refusal: %s" % res.why)


@pytest.mark.timeout(300)
def test_linux_vm_fetches_a_file_from_the_host_through_the_uplink(hv, tmp_path):
    """The uplink (drivers/virtio_net.c: QEMU's virtio-net on its user network, a port of the
    switch): the guest (10.0.2.15) wgets a file from an HTTP server the test runs on the host's
    loopback (10.0.2.2 from the guest), and its md5 is the file's."""
    import http.server
    import socketserver
    import threading
    hv.need_linux()
    blob = os.urandom(1 << 20)
    (tmp_path / "blob").write_bytes(blob)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *a):
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://10.0.2.2:%d/blob" % server.server_address[1]
        res = hv.run([hr.VM(hv.LINUX, name="w", initrd=hv.INITRD, mem=256, network="",
                            params="console=ttyAMA0 quiet hyparm.test=net-wget hyparm.url=" + url)], timeout=200)
    finally:
        server.shutdown()
        server.server_close()
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(any("virtio-net uplink at" in l for l in res.lines), "hyparm attached no uplink")
    hv.expect("hyparm-guest: wget md5 %s" % hashlib.md5(blob).hexdigest() in res.vm_lines("w"),
              "the guest fetched something else: %s" % [l for l in res.vm_lines("w") if "md5" in l])
