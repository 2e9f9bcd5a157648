"""docs/api.md is generated from the docstrings of s2sad.__all__ and must match them.

The generator runs in a fresh interpreter, like a user running
`python tools/gen_api_doc.py`: the module state of this test process (rules or
containers registered by other tests) must not leak into the reference.
"""
import importlib.util
import inspect
import pathlib
import subprocess
import sys

import s2sad

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "gen_api_doc.py"
API_DOC = ROOT / "docs" / "api.md"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_api_doc", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_api_doc_matches_the_docstrings():
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_name_has_a_section_with_its_docstring():
    text = API_DOC.read_text()
    for name in s2sad.__all__:
        assert f"### `s2sad.{name}`" in text, name
        obj = getattr(s2sad, name)
        doc = inspect.getdoc(obj if callable(obj) else type(obj))
        assert doc and doc.splitlines()[0] in text, name


def test_signatures_show_parameters_and_defaults():
    generator = load_generator()
    assert generator.signature(s2sad.grad).startswith("(f: Callable | None = None, wrt: Wrt = (0,)")
    assert "*args" in generator.signature(s2sad.check_grads)

    def sample(a, b=2, *rest, c, d=None, **options):
        pass
    assert generator.signature(sample) == "(a, b=2, *rest, c, d=None, **options)"

    def keyword_only(a, *, b=1):
        pass
    assert generator.signature(keyword_only) == "(a, *, b=1)"


def test_a_stale_doc_is_reported_with_a_diff(tmp_path, monkeypatch, capsys):
    generator = load_generator()
    stale = tmp_path / "api.md"
    stale.write_text(generator.generate().replace("The gradient of a scalar function",
                                                  "An outdated sentence"))
    monkeypatch.setattr(generator, "OUTPUT", stale)
    assert generator.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "is out of date: run python tools/gen_api_doc.py" in out
    assert "-An outdated sentence" in out and "+The gradient of a scalar function" in out
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
