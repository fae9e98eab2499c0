"""Every command explains itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clgtv.cli import cli


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: clgtv " + command in result.output
    assert cli.commands[command].help


def test_all_design_commands_exist() -> None:
    assert {"check", "new", "build", "publish", "serve", "master", "loudness"} <= set(cli.commands)
