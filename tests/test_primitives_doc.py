"""docs/primitives.md is generated from the registry and must be up to date.

The generator runs in a fresh interpreter: tests register rules of their own,
which must not count as s2sad's.
"""
import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "gen_primitives_doc.py"


def test_checked_in_primitives_doc_matches_the_registry():
    pytest.importorskip("scipy")  # the doc lists SciPy's rules too
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_doc_has_a_row_for_every_rule_of_the_library():
    spec = importlib.util.spec_from_file_location("gen_primitives_doc", GENERATOR)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    from s2sad.registry import ADJOINTS, TANGENTS
    text = (ROOT / "docs" / "primitives.md").read_text()
    for table in (ADJOINTS, TANGENTS):
        for key, template in table.items():
            if template.func.__module__.startswith("s2sad.rules."):
                assert f"| {generator.label(key)} |" in text, key
