"""virtio-vsock between VMs (vdev/virtio_vsock.c over core/vsock_router.c): two Debian VMs with
the stock vmw_vsock_virtio_transport exchange a stream whose checksum must match, the host CID gets
RST, and a hostile bare-metal guest's malformed packets are refused while a Linux VM's stream next to
it goes on."""
import re

import pytest

import hyparmrun as hr

LINUX_ARGS = "console=ttyAMA0 quiet hyparm.test=%s hyparm.vsock=%s"
PORT = 5000
LISTENER_CID = 7


def linux_vm(hv, name, test, peer, pcpus, vsock="auto"):
    return hr.VM(hv.LINUX, name=name, initrd=hv.INITRD, params=LINUX_ARGS % (test, peer), mem=192, cpus=1,
                 pcpus=pcpus, vsock=vsock)


def field(lines, prefix):
    """The words after prefix on the first line that starts with it, or None."""
    for l in lines:
        if l.startswith(prefix):
            return l[len(prefix):].split()
    return None


def check_stream(hv, res, sender, listener, listener_cid):
    sent = field(res.vm_lines(sender), "hyparm-guest: vsock sending ")
    got = field(res.vm_lines(listener), "hyparm-guest: vsock received ")
    hv.expect(sent is not None, "the sender did not start")
    hv.expect(got is not None, "the listener received nothing (EOF never came?)")
    # "N bytes md5 SUM" on both sides.
    hv.expect(int(sent[0]) > 300000, "the sender's pattern is only %s bytes" % sent[0])
    hv.expect(got[0] == sent[0], "sent %s bytes, received %s" % (sent[0], got[0]))
    hv.expect(got[2] == sent[2], "md5 sent %s, received %s" % (sent[2], got[2]))
    hv.expect("vsockcat: local cid %d" % listener_cid in res.vm_lines(listener),
              "the listener's CID is not %d" % listener_cid)
    hv.expect("hyparm-guest: vsock send rc 0" in res.vm_lines(sender), "vsockcat's send failed")


@pytest.mark.timeout(300)
def test_linux_vsock_stream_between_two_vms(hv):
    """left (CID 3, the default 3 + index) connects to right (CID 7 from --vsock 7) and sends 349 KB;
    right's md5 matches. Connecting to the host (CID 2) is refused (RST: ECONNRESET)."""
    hv.need_linux()
    peer = "%d:%d" % (LISTENER_CID, PORT)
    res = hv.run([linux_vm(hv, "left", "vsock-send", peer, "0"),
                  linux_vm(hv, "right", "vsock-listen", peer, "1", vsock=str(LISTENER_CID))], timeout=240)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    check_stream(hv, res, "left", "right", LISTENER_CID)
    hv.expect("vsockcat: local cid 3" in res.vm_lines("left"), "left's CID is not 3")
    hv.expect("hyparm-guest: vsock host rc 1" in res.vm_lines("left"), "connecting to the host CID did not fail")
    hv.expect(any("cannot connect, error 104" in l for l in res.vm_lines("left")),
              "the host CID's refusal is not ECONNRESET (an RST)")
