"""docs/primitives.md is generated from the registry and must be up to date."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "gen_primitives_doc.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_primitives_doc", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_primitives_doc_matches_the_registry():
    generator = load_generator()
    expected = generator.generate()
    actual = (ROOT / "docs" / "primitives.md").read_text()
    assert actual == expected, "docs/primitives.md is out of date: " \
                               "run python tools/gen_primitives_doc.py"


def test_doc_lists_every_registered_function():
    generator = load_generator()
    from s2sad.registry import ADJOINTS, NONDIFFERENTIABLE, TANGENTS
    text = generator.generate()
    for key in list(ADJOINTS) + list(TANGENTS) + list(NONDIFFERENTIABLE):
        assert generator.label(key) in text, key
