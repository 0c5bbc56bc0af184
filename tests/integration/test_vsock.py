"""virtio-vsock between VMs (vdev/virtio_vsock.c over core/vsock_router.c): two Debian VMs with
the stock vmw_vsock_virtio_transport exchange a stream whose checksum must match, the host CID gets
RST, and a hostile bare-metal guest's malformed packets are refused while a Linux VM's stream next to
it goes on."""
import os
import re
import subprocess
import sys

import pytest

import hyparmrun as hr

LINUX_ARGS = "console=ttyAMA0 quiet hyparm.test=%s hyparm.vsock=%s"
PORT = 5000
LISTENER_CID = 7


def linux_vm(hv, name, test, peer, pcpus, vsock="auto", lines=None):
    params = LINUX_ARGS % (test, peer) + (" hyparm.vsocklines=%d" % lines if lines else "")
    return hr.VM(hv.LINUX, name=name, initrd=hv.INITRD, params=params, mem=192, cpus=1, pcpus=pcpus, vsock=vsock)


def field(lines, prefix):
    """The words after prefix on the first line that starts with it, or None."""
    for l in lines:
        if l.startswith(prefix):
            return l[len(prefix):].split()
    return None


STATS = ("sent", "sent bytes", "received", "received bytes", "refused", "malformed", "spoofed src_cid",
         "credit overruns")


def stats(res, cid):
    """The counters of the power-off report's 'device virtio-vsock: cid N, ...' line, or None."""
    for l in res.lines:
        m = re.search(r"device virtio-vsock: cid %d, sent (\d+) packets \((\d+) data bytes\), received (\d+) "
                      r"packets \((\d+) data bytes\), refused (\d+), malformed (\d+), spoofed src_cid (\d+), "
                      r"credit overruns (\d+)$" % cid, l)
        if m:
            return dict(zip(STATS, map(int, m.groups())))
    return None


def check_stream(hv, res, sender, listener, listener_cid, at_least=300000):
    sent = field(res.vm_lines(sender), "hyparm-guest: vsock sending ")
    got = field(res.vm_lines(listener), "hyparm-guest: vsock received ")
    hv.expect(sent is not None, "the sender did not start")
    hv.expect(got is not None, "the listener received nothing (EOF never came?)")
    # "N bytes md5 SUM" on both sides.
    hv.expect(int(sent[0]) >= at_least, "the sender's pattern is only %s bytes" % sent[0])
    hv.expect(got[0] == sent[0], "sent %s bytes, received %s" % (sent[0], got[0]))
    hv.expect(got[2] == sent[2], "md5 sent %s, received %s" % (sent[2], got[2]))
    hv.expect("vsockcat: local cid %d" % listener_cid in res.vm_lines(listener),
              "the listener's CID is not %d" % listener_cid)
    hv.expect("hyparm-guest: vsock send rc 0" in res.vm_lines(sender), "vsockcat's send failed")


@pytest.mark.timeout(300)
def test_linux_vsock_stream_between_two_vms(hv):
    """left (CID 3, the default 3 + index) connects to right (CID 7 from --vsock 7) and sends 4 MB
    (seq 1 600000); right's md5 matches. Connecting to the host (CID 2) is refused (RST: ECONNRESET)."""
    hv.need_linux()
    peer = "%d:%d" % (LISTENER_CID, PORT)
    res = hv.run([linux_vm(hv, "left", "vsock-send", peer, "0", lines=600000),
                  linux_vm(hv, "right", "vsock-listen", peer, "1", vsock=str(LISTENER_CID))], timeout=240)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    check_stream(hv, res, "left", "right", LISTENER_CID, at_least=4000000)
    # hyparm's counters agree: every byte left's guest sent reached right's.
    left, right = stats(res, 3), stats(res, 7)
    sent = int(field(res.vm_lines("left"), "hyparm-guest: vsock sending ")[0])
    hv.expect(left and right and left["sent bytes"] == sent and right["received bytes"] == sent,
              "counters: left %s, right %s" % (left, right))
    rate = field(res.vm_lines("left"), "vsockcat: throughput KiB/s ")
    print("vsock Linux to Linux: %s KiB/s" % (rate[0] if rate else "?"))
    hv.expect("vsockcat: local cid 3" in res.vm_lines("left"), "left's CID is not 3")
    hv.expect("hyparm-guest: vsock host rc 1" in res.vm_lines("left"), "connecting to the host CID did not fail")
    hv.expect(any("cannot connect, error 104" in l for l in res.vm_lines("left")),
              "the host CID's refusal is not ECONNRESET (an RST)")


# This test caught a lost timer wake-up (about 1 run in 4 hung: the Linux VM "left", next to the
# hostile VM on pCPU 0, started `poweroff -f` and never finished). The fix is in vdev/vtimer.c's
# load: a timer that came due after put, with its deadline not yet run, had its line never raised
# (tests/unit/test_timers.c: vtimer_due_since_put_with_its_deadline_not_yet_run). Before the fix,
# 3 of 10 runs hung; after it, 17 of 17 passed.
@pytest.mark.timeout(300)
def test_hostile_vsock_guest_is_refused_and_linux_streams_go_on(hv):
    """A bare-metal guest (CID 9) spoofs its CID, sends short headers, lengths past its buffers,
    writable and off-RAM buffers, floods RSTs, overruns its credit and breaks its ring; every one is
    refused as the device promises (guests/tests/vsockhostile.c checks what it observed), while two
    Linux VMs' 349 KB stream next to it arrives intact and hyparm keeps running."""
    hv.need_linux()
    peer = "%d:%d" % (LISTENER_CID, PORT)
    hostile = hr.VM(hv.guest("vsockhostile"), name="h", params="cid=9 peer=%d" % LISTENER_CID, mem=32,
                    pcpus="0", vsock="9")
    res = hv.run([linux_vm(hv, "left", "vsock-send", peer, "0"),
                  linux_vm(hv, "right", "vsock-listen", peer, "1", vsock=str(LISTENER_CID)), hostile],
                 timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "h")
    check_stream(hv, res, "left", "right", LISTENER_CID)
    # hyparm's own counters (the power-off report) saw it too; the honest sender sent nothing malformed.
    h = stats(res, 9)
    hv.expect(h and h["spoofed src_cid"] >= 1 and h["malformed"] >= 3 and h["credit overruns"] == 2,
              "vm h's vsock counters: %s" % h)
    left = stats(res, 3)
    # (refused: the host CID, and any connect() before right's driver was up, which vsockcat retries)
    hv.expect(left and left["malformed"] == 0 and left["refused"] >= 1 and left["credit overruns"] == 0,
              "vm left's vsock counters: %s" % left)
    # The broken ring is reported once, within the VM's cap.
    reports = [l for l in res.lines if re.match(r"hyparm: vm h: virtio-vsock queue 1: .*: device needs reset", l)]
    hv.expect(len(reports) == 1, "want 1 needs-reset report, got %d" % len(reports))


@pytest.mark.timeout(200)
def test_stream_into_a_rebooting_vm(hv):
    """rx resets itself (PSCI SYSTEM_RESET) after every 64 KiB while tx keeps streaming to it: the
    packets in flight meet a VM whose RAM is being forgotten and scrubbed (the device's quiesce hook
    and its lock keep them out). Every life sees the pattern intact, tx sees each reboot as an RST and
    connects again, and hyparm keeps running (guests/tests/vsockstorm.c)."""
    res = hv.run([hr.VM(hv.guest("vsockstorm"), name="tx", params="role=tx peer=10 secs=20", mem=32, pcpus="0",
                        vsock="11"),
                  hr.VM(hv.guest("vsockstorm"), name="rx", params="role=rx bytes=65536 stop=25", mem=64,
                        pcpus="1", vsock="10")], timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "tx")
    hv.guest_passed(res, "rx")
    lives = [l for l in res.vm_lines("rx") if l.startswith("vsockstorm: a life got")]
    resets = [l for l in res.lines if l == "hyparm: vm rx: reset"]
    hv.expect(len(resets) >= 3, "rx reset only %d times" % len(resets))
    hv.expect(len(lives) >= len(resets), "%d resets but %d lives reported" % (len(resets), len(lives)))
    hv.expect(all(l.endswith("pattern ok") for l in lives), "a life saw a wrong pattern: %s" %
              [l for l in lives if not l.endswith("pattern ok")])


@pytest.mark.timeout(120)
def test_cids_are_checked(hv):
    """Two VMs with one CID: hyparm refuses the second before anything boots, naming its option; a
    CID a VM cannot have (the host's) is the launcher's usage error."""
    res = hv.run([hr.VM(hv.guest("hello"), name="a", vsock="7"), hr.VM(hv.guest("hello"), name="b", vsock="7")],
                 timeout=30)
    hv.expect(res.status == hr.STATUS_HYP_FAILED, "status %d: %s" % (res.status, res.why))
    hv.expect("--vsock 7: cid <7>: another VM has it" in res.why, "refusal: %s" % res.why)
    # A's default CID (3 + index 0) is free for b to take explicitly only if a has none.
    res = hv.run([hr.VM(hv.guest("hello"), name="a", vsock="auto"), hr.VM(hv.guest("hello"), name="b", vsock="3")],
                 timeout=30)
    hv.expect(res.status == hr.STATUS_HYP_FAILED and "cid <3>: another VM has it" in res.why,
              "a default CID taken again: status %d: %s" % (res.status, res.why))
    launcher = subprocess.run([sys.executable, "tools/hyparm-run", "--dry-run", "-k", hv.guest("hello"),
                               "--vsock", "2"], capture_output=True, text=True)
    hv.expect(launcher.returncode == hr.STATUS_USAGE and "a VM's CID is 3 to 0xfffffffe" in launcher.stderr,
              "--vsock 2: rc %d, %s" % (launcher.returncode, launcher.stderr.strip()))


@pytest.mark.timeout(300)
def test_two_linux_vsock_example(hv):
    """examples/two-linux-vsock.dts (manifest nodes, one with cid = <7>, one with the default) runs
    as its comment says: 4 MB from left to right, md5 equal, both power off."""
    hv.need_linux()
    res = hv.run(manifest=os.path.join(hv.REPO, "examples", "two-linux-vsock.dts"), timeout=240)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    check_stream(hv, res, "left", "right", LISTENER_CID, at_least=4000000)
