"""The hostile-guest suite (tests/integration/hostile.py, docs/security.md): one pytest test per
case; a case marked xfail there is a strict xfail here (passing it fails the run, so the mark
goes as soon as the fix lands)."""
import pytest

import hostile


def _param(fn):
    marks = [pytest.mark.timeout(60)]
    if fn.xfail:
        marks.append(pytest.mark.xfail(reason=fn.xfail, strict=True, raises=hostile.Fail))
    return pytest.param(fn, id=fn.__name__, marks=marks)


@pytest.mark.parametrize("case", [_param(fn) for fn in hostile.TESTS])
def test_hostile(case, request):
    hostile.LAST.clear()
    try:
        case()
    finally:
        if hostile.LAST:
            request.node.hyparm_result = hostile.LAST[-1]   # its console tail goes into a failure report
