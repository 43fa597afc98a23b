"""The README's promises: the two quick-start commands, runnable Python examples, and a CI script that runs pytest."""

from __future__ import annotations

import doctest
import re
import shutil

import pytest

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
CI_SCRIPT = REPO_ROOT / ".ci" / "run"
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "zsh", "shell-session"}
FENCE = re.compile(
    r"^(?P<fence>```+|~~~+)[ \t]*(?P<lang>[^\s`]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL
)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block, in order."""
    return [(m["lang"].lower(), m["body"]) for m in FENCE.finditer(text)]


def shell_commands(text: str) -> list[str]:
    """The commands of the shell blocks, in order: prompts, comments, output lines and blank lines dropped."""
    commands = []
    for lang, body in fenced_blocks(text):
        if lang not in SHELL_LANGUAGES:
            continue
        prompted = any(line.lstrip().startswith("$ ") for line in body.splitlines())
        for line in body.splitlines():
            line = line.strip()
            if prompted:
                if not line.startswith("$ "):
                    continue  # output shown in a console block
                line = line[2:].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_readme_quick_start_commands():
    commands = shell_commands(README.read_text())
    assert commands[:2] == [
        "pip install -e . && augsynth run pipelines/digits.yaml",
        'pip install -e ".[dev]" && pytest',
    ]


@pytest.mark.parametrize("name", ["digits.yaml", "steering.yaml", "digits-generators.yaml", "digits-recipes.yaml"])
def test_readme_pipeline_specs_exist_and_are_valid(name):
    from augsynth import load_spec

    assert f"pipelines/{name}" in README.read_text()
    load_spec(REPO_ROOT / "pipelines" / name)


def test_ci_runs_the_readme_test_command_as_written():
    lines = [line.split("#", 1)[0].strip() for line in CI_SCRIPT.read_text().splitlines()]
    assert shell_commands(README.read_text())[1] in lines


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    """Every ```python block runs, in order, in one namespace, from a scratch dir holding a copy of pipelines/."""
    blocks = [body for lang, body in fenced_blocks(README.read_text()) if lang in ("python", "py")]
    shutil.copytree(REPO_ROOT / "pipelines", tmp_path / "pipelines")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    for number, body in enumerate(blocks, start=1):
        try:
            exec(compile(body, f"README.md python block {number}", "exec"), namespace)
        except Exception as err:  # pragma: no cover - reported with the block that failed
            pytest.fail(f"README python block {number} failed: {type(err).__name__}: {err}\n{body}")


@pytest.mark.parametrize("module", ["augsynth.image.pipeline", "augsynth.image.shift_x", "augsynth.image.input_steps"])
def test_docstring_examples(module):
    imported = __import__(module, fromlist=["_"])
    result = doctest.testmod(imported, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_albumentations_table_is_current():
    from augsynth.image.table import END, START, markdown_table

    text = README.read_text()
    assert text[text.index(START) + len(START) : text.index(END)].strip() == markdown_table().strip()
