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
