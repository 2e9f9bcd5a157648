"""Smoke test of the benchmark suite: `--quick` on a few cases; gradient checks only.

Timings are never asserted; only that every framework's gradient matched the
hand-written one (np.allclose) and that the report was written.
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generation, run  # noqa: E402


def _quick(tmp_path, cases, peers="none", extra=()):
    return run.main(["--quick", "--cases", cases, "--peers", peers, "--out", str(tmp_path),
                     "--no-chart", "--quiet", *extra])


def test_quick_run_gradient_checks_pass(tmp_path, capsys):
    result = _quick(tmp_path, "recurrence_math,logreg", extra=["--no-generation"])
    rows = {row["name"]: row for row in result["rows"]}
    assert set(rows) == {"recurrence_math", "logreg"}
    for row in rows.values():
        assert row["status"]["hand"] == "ok", row["status"]       # vs finite differences
        assert row["status"]["s2sad"] == "ok", row["status"]      # vs hand-written
        assert row["times"]["s2sad"] > 0
    printed = capsys.readouterr().out
    assert "| case | function | s2sad grad | hand-written grad |" in printed
    assert (tmp_path / "results.md").read_text().strip() == printed.strip()
    assert (tmp_path / "results.json").exists()
    assert (tmp_path / "generated" / "logreg.py").read_text().startswith("def dlogreg(")


@pytest.mark.parametrize("peer", ["autograd", "torch"])
def test_quick_run_with_a_peer(tmp_path, peer):
    if importlib.util.find_spec(peer) is None:
        pytest.skip(f"{peer} is not installed")
    result = _quick(tmp_path, "recurrence_np", peers=peer, extra=["--no-generation"])
    status = result["rows"][0]["status"]
    assert status["s2sad"] == "ok" and status[peer] == "ok", status


def test_generation_source_has_the_requested_length_and_differentiates():
    source = generation.make_source(30)
    body = source.split("def f(x, y):\n", 1)[1].splitlines()
    assert len(body) == 30 and body[-1].startswith("    return ")
    (result,) = generation.run(sizes=(30,), repeats=(1,))
    assert result["status"] == "ok", result
    assert result["median"] > 0


def _sum_sin_with_try(x):
    try:                       # s2sad refuses try/except: the row must say so, not crash
        y = np.sin(x)
    except ValueError:
        y = x
    return np.sum(y)


def test_unsupported_case_is_reported_not_raised():
    from benchmarks import cases, report, timing
    case = cases.Case("try_case", "try/except", _sum_sin_with_try, lambda x: np.cos(x),
                      (0,), lambda quick: (np.linspace(0.0, 1.0, 5),), "array")
    row = run.run_case(case, True, [], False, timing.QUICK, lambda message: None, {},
                       run.generate(case, True))
    assert row["status"]["s2sad"].startswith("unsupported"), row["status"]
    assert row["status"]["hand"] == "ok"
    assert "| unsupported |" in report.times_table([row])


def test_quick_analysis_runs_the_version_each_call_runs(capsys):
    from benchmarks import analyze
    analyze.main(["--quick", "--cases", "newton,logreg", "--statements", "30"])
    rows = {line.split("|")[1].strip(): line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| newton") or line.startswith("| logreg")}
    # float arguments: the float version, which calls no runtime helper
    assert rows["newton"].split("|")[2].strip() == ""
    assert "unbroadcast" in rows["logreg"].split("|")[2]


def test_quick_run_with_the_numba_columns(tmp_path, monkeypatch, capsys):
    pytest.importorskip("numba")
    from benchmarks import compiled
    monkeypatch.setattr(compiled, "_cache_load", lambda case, folder, quick: (0.5, 0.02, 0.01))
    result = _quick(tmp_path, "newton,logreg", extra=["--no-generation", "--numba", "yes"])
    rows = {row["name"]: row for row in result["rows"]}
    for column in compiled.COLUMNS:   # checked against the hand-written gradient
        assert rows["newton"]["status"][column] == "ok", rows["newton"]["status"]
        assert rows["logreg"]["status"][column].startswith("n/a"), rows["logreg"]["status"]
    assert rows["newton"]["numba_compile"] > 0 and rows["newton"]["hand_numba_compile"] > 0
    printed = capsys.readouterr().out
    assert "| newton (--quick: small inputs) | " in printed.split("Compiled:")[1]
