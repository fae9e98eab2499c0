"""The README against the code: every command, make target and content field is documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from clgtv import schema as s
from clgtv.cli import cli
from clgtv.episodes import Episode
from clgtv.settings import Show, Site

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")


def documented(name: str) -> bool:
    """`name` appears in the README as code: `name`, or at the start of a code span (`name ARGS`)."""
    return re.search(rf"`{re.escape(name)}(`| )", README) is not None


def in_code(text: str) -> bool:
    """`text` appears inside a code span of the README."""
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(text)}(?![\w-])[^`\n]*`", README) is not None


def commands(group: click.Group, prefix: str = "clgtv") -> Iterator[str]:
    for name, command in group.commands.items():
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")


def make_targets() -> list[str]:
    """The targets `make help` lists (those with a `## description`)."""
    return re.findall(r"^([a-z-]+):.*?## ", MAKEFILE, flags=re.MULTILINE)


@pytest.mark.parametrize("command", sorted(commands(cli)))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert documented(command), f"README.md does not document `{command}`"


def test_every_command_option_is_in_the_readme() -> None:
    missing = [
        f"clgtv {name} {option}"
        for name, command in cli.commands.items()
        for param in command.params
        if isinstance(param, click.Option)
        for option in param.opts
        if option.startswith("--") and option != "--help" and not in_code(option)
    ]
    assert not missing, f"README.md does not document: {', '.join(missing)}"


def test_the_readme_lists_exactly_the_make_targets() -> None:
    listed = set(re.findall(r"^\| `make ([a-z-]+)`", README, flags=re.MULTILINE))
    listed |= set(re.findall(r"^\| `make [a-z-]+` / `make ([a-z-]+)`", README, flags=re.MULTILINE))
    assert listed == set(make_targets())


@pytest.mark.parametrize(("file", "model"), [("clgtv.yaml", Site), ("show.yaml", Show), ("episode", Episode)])
def test_every_content_field_is_in_the_readme(file: str, model: type) -> None:
    """Each field as written in the YAML (`owner.email`), or its last part in a nested table (`email`)."""
    names = [key for key, _ in s.walk(model)]
    missing = [name for name in names if not documented(name) and not documented(name.rsplit(".", 1)[-1])]
    assert not missing, f"README.md does not document these {file} fields: {', '.join(missing)}"


def test_the_module_table_lists_exactly_the_modules() -> None:
    listed = set(re.findall(r"`(clgtv/[\w/]+\.py)`", README.split("## Development", 1)[1]))
    modules = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "clgtv").rglob("*.py")
        if path.name != "__init__.py" or path.parent.name == "storage"
    }
    assert listed == modules


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name: str) -> None:
    text = cli.commands[name].help or ""
    assert text.strip() and "Example: clgtv " in text, f"clgtv {name} needs a help text with an example"
