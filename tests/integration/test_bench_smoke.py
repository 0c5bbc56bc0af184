"""make bench's machinery, in its quick form."""
import os
import subprocess
import sys

import pytest


@pytest.mark.timeout(360)
def test_bench_smoke(hv):
    """make bench's machinery works: hyparm, KVM (nVHE) and native each report every row."""
    try:
        out = subprocess.run([sys.executable, os.path.join(hv.REPO, "tools", "bench.py"), "--smoke"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             timeout=300).stdout.decode()
    except subprocess.TimeoutExpired:
        pytest.fail("bench --smoke did not finish in 300 s", pytrace=False)
    hv.expect("bench smoke: ok" in out, "bench --smoke: " + " | ".join(out.strip().splitlines()[-6:]))


@pytest.mark.timeout(200)
def test_bench_virtio_smoke(hv):
    """make bench's virtio group, tiny sizes, hyparm only, one run: blkbench's line (its read-back
    check included) and netbench's VM<->VM and VM<->host lines parsed into positive rows."""
    hv.need_linux()
    try:
        out = subprocess.run([sys.executable, os.path.join(hv.REPO, "tools", "bench.py"), "--virtio-smoke"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             timeout=150).stdout.decode()
    except subprocess.TimeoutExpired:
        pytest.fail("bench --virtio-smoke did not finish in 150 s", pytrace=False)
    hv.expect("bench smoke: ok" in out, "bench --virtio-smoke: " + " | ".join(out.strip().splitlines()[-8:]))
    for row in ("4K rand read IOPS", "TCP VM->VM MB/s", "TCP host->VM MB/s"):
        hv.expect(any(l.startswith("normal") and row in l for l in out.splitlines()), "no '%s' row printed" % row)
