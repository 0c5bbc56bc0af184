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
