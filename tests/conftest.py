import os
import pathlib

import pytest

GOLDEN = pathlib.Path(__file__).parent / "golden"
REFRESH = os.environ.get("S2SAD_REFRESH_GOLDEN") == "1"


@pytest.fixture
def golden():
    """Compare text with tests/golden/<name>; S2SAD_REFRESH_GOLDEN=1 rewrites it."""
    def check(name: str, text: str):
        path = GOLDEN / name
        if REFRESH:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
        assert path.exists(), f"no golden file {path}: run S2SAD_REFRESH_GOLDEN=1 pytest"
        assert text == path.read_text(), f"generated code changed; see {path}"
    return check


@pytest.fixture(autouse=True, scope="session")
def s2sad_cache_folder(tmp_path_factory):
    """backend="numba" writes its modules here, not into ~/.cache/s2sad."""
    folder = tmp_path_factory.mktemp("s2sad_cache")
    old = os.environ.get("S2SAD_CACHE")
    os.environ["S2SAD_CACHE"] = str(folder)
    yield folder
    if old is None:
        del os.environ["S2SAD_CACHE"]
    else:
        os.environ["S2SAD_CACHE"] = old
