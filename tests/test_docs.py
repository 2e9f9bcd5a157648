"""The documentation runs: every ```python block of README.md and docs/*.md.

The blocks of one file run in order in one module namespace, so a block can use
what an earlier one defined. They are written to a real .py file, each line at
the line number it has in the markdown file, and compiled with that filename:
s2sad reads function source through inspect/linecache, and tracebacks point at
the markdown lines.

Fences:
- ```python            runs;
- ```python no-run     is skipped (use sparingly);
- ```text output       right after a python block: must equal what it printed;
- ```console           lines `$ s2sad ...` run the CLI; the lines after a command
                       must equal its output (stdout and stderr);
- anything else (```text, ```bash) is not run.

After a change to generated code, `S2SAD_REFRESH_GOLDEN=1 python -m pytest
tests/test_docs.py` rewrites the outputs in the markdown files; review the diff.
"""
from __future__ import annotations

import contextlib
import difflib
import io
import os
import pathlib
import re
import shlex
import subprocess
import sys
import types
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
REFRESH = os.environ.get("S2SAD_REFRESH_GOLDEN") == "1"
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`]*?)\s*$")


@dataclass
class Block:
    info: list      # the words after the fence: ["python"], ["text", "output"]
    start: int      # 0-based line index of the first line inside the fence
    lines: list     # the lines inside the fence, with their newlines

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def runs(self) -> bool:
        return self.info[:1] == ["python"] and "no-run" not in self.info

    @property
    def is_output(self) -> bool:
        return self.info == ["text", "output"]


def parse_blocks(text: str) -> list:
    """The fenced code blocks of a markdown text."""
    blocks, lines, i = [], text.splitlines(keepends=True), 0
    while i < len(lines):
        match = FENCE.match(lines[i].rstrip("\n"))
        i += 1
        if not match:
            continue
        fence, start = match.group(1), i
        while i < len(lines) and not (lines[i].lstrip().startswith(fence) and
                                      lines[i].strip() == fence[0] * len(lines[i].strip())):
            i += 1
        blocks.append(Block(match.group(2).split(), start, lines[start:i]))
        i += 1
    return blocks


def padded_source(blocks: list, n_lines: int) -> str:
    """The runnable blocks, each at its own line numbers, blank lines elsewhere."""
    lines = ["\n"] * n_lines
    for block in blocks:
        if block.runs:
            lines[block.start:block.start + len(block.lines)] = block.lines
    return "".join(lines)


def run_python_blocks(path: pathlib.Path, blocks: list, n_lines: int, tmp_path) -> dict:
    """Run the python blocks in order in one module; {block start: printed output}."""
    script = tmp_path / (re.sub(r"\W", "_", path.name) + ".py")
    script.write_text(padded_source(blocks, n_lines))
    module = types.ModuleType(f"docs_{script.stem}")
    module.__file__ = str(script)
    sys.modules[module.__name__] = module
    printed = {}
    try:
        for block in blocks:
            if not block.runs:
                continue
            code = compile("\n" * block.start + block.text, str(script), "exec")
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(code, module.__dict__)
            printed[block.start] = buffer.getvalue()
    finally:
        del sys.modules[module.__name__]
    return printed


def run_console_block(block: Block) -> str:
    """The block's text with each `$ s2sad ...` command's real output under it."""
    out = []
    for line in block.lines:
        if not line.startswith("$ "):
            continue
        command = shlex.split(line[2:])
        assert command[0] == "s2sad", \
            f"console blocks may only run s2sad, not {line.strip()!r}: use ```bash"
        result = subprocess.run([sys.executable, "-m", "s2sad", *command[1:]], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=120)
        out.append(line)
        out.append(result.stdout)
    return "".join(out)


def expected_outputs(blocks: list, printed: dict) -> list:
    """(block, what it should contain) for every checked output block."""
    pairs = []
    for previous, block in zip([None] + blocks, blocks):
        if block.is_output:
            assert previous is not None and previous.runs, \
                f"line {block.start}: a ```text output block must follow a python block"
            pairs.append((block, printed[previous.start]))
        elif block.info[:1] == ["console"]:
            pairs.append((block, run_console_block(block)))
    return pairs


def normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines()) + "\n"


def refresh(path: pathlib.Path, lines: list, pairs: list) -> None:
    for block, actual in sorted(pairs, key=lambda pair: -pair[0].start):
        lines[block.start:block.start + len(block.lines)] = [normal(actual)]
    path.write_text("".join(lines))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_documentation_code_runs_and_shows_real_output(path, tmp_path):
    text = path.read_text()
    for optional in ("scipy", "dask"):  # optional dependencies: their pages need them
        if re.search(rf"^(import|from) {optional}\b", text, re.MULTILINE):
            pytest.importorskip(optional)
    blocks = parse_blocks(text)
    lines = text.splitlines(keepends=True)
    printed = run_python_blocks(path, blocks, len(lines), tmp_path)
    pairs = expected_outputs(blocks, printed)
    if REFRESH:
        refresh(path, lines, pairs)
        return
    for block, actual in pairs:
        if normal(block.text) != normal(actual):
            diff = "".join(difflib.unified_diff(
                normal(block.text).splitlines(True), normal(actual).splitlines(True),
                "in the document", "real output"))
            pytest.fail(f"{path.name}, the block at line {block.start}: the shown output "
                        f"is not what the code prints. If the change is expected, run "
                        f"S2SAD_REFRESH_GOLDEN=1 python -m pytest tests/test_docs.py\n{diff}")


# ------------------------------------------------------------------ the harness itself

SAMPLE = '''# Sample

```python
import s2sad

def f(x):
    return x * x * x
```

Text in between.

```python
df = s2sad.grad(f)
print(df(2.0))
```

```text output
12.0
```

```python no-run
this is not python
```

```console
$ s2sad show --help
```
'''


def test_blocks_share_a_namespace_and_functions_are_differentiable(tmp_path):
    blocks = parse_blocks(SAMPLE)
    assert [b.info for b in blocks] == [["python"], ["python"], ["text", "output"],
                                        ["python", "no-run"], ["console"]]
    printed = run_python_blocks(pathlib.Path("sample.md"), blocks,
                                len(SAMPLE.splitlines()), tmp_path)
    assert list(printed.values()) == ["", "12.0\n"]
    pairs = expected_outputs(blocks, printed)
    assert pairs[0] == (blocks[2], "12.0\n")
    assert pairs[1][1].startswith("$ s2sad show --help\nusage: s2sad show")


def test_padded_file_keeps_markdown_line_numbers(tmp_path):
    blocks = parse_blocks(SAMPLE)
    source = padded_source(blocks, len(SAMPLE.splitlines()))
    assert source.splitlines()[5] == "def f(x):" == SAMPLE.splitlines()[5]
    assert "not python" not in source


def test_refresh_rewrites_only_output_blocks(tmp_path):
    path = tmp_path / "sample.md"
    text = SAMPLE.replace("12.0\n", "wrong\n")
    blocks = parse_blocks(text)
    lines = text.splitlines(keepends=True)
    refresh(path, lines, [(blocks[2], "12.0\n")])
    assert path.read_text() == SAMPLE
