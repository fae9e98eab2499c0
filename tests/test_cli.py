"""Every command explains itself; `clgtv master` takes its options through the audio settings' schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_tone
from mutagen.mp3 import MP3

from clgtv.cli import _audio_settings, cli
from clgtv.schema import fields_of
from clgtv.settings import AudioSettings


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: clgtv " + command in result.output
    assert cli.commands[command].help


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chek"], "Error: No such command 'chek'. Did you mean 'check'?"),
        (["new", "clgdottv-podcast"], "Error: Missing argument 'TITLE'."),
        (["check", "--nope"], "Error: No such option '--nope'."),
    ],
)
def test_a_mistyped_command_is_bad_input_exit_code_1(args: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "clgtv", *args], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_all_design_commands_exist() -> None:
    assert {"check", "new", "build", "publish", "serve", "master", "loudness"} <= set(cli.commands)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--bitrate", "100"], "error: --bitrate: expected one of: 64, 96, 112, 128, 160, 192, 256, 320; got 100"),
        (["--true-peak", "3"], "error: --true-peak: expected a number between -9 and 0, got 3"),
        (["--sample-rate", "12345"], "error: --sample-rate: expected one of: 22050, 32000, 44100, 48000; got 12345"),
        (["--target-lufs", "loud"], "error: --target-lufs: expected a number between -30 and -10, got 'loud'"),
        (["--format", "wav"], "error: --format: expected one of: mp3, m4a; got 'wav'"),
        (["--channels", "3"], "error: --channels: expected one of: 1, 2; got 3"),
        (["--crossfade", "9"], "error: --crossfade: expected a number between 0 and 5, got 9"),
        (["--intro", "nowhere.wav"], "error: --intro: file not found: nowhere.wav"),
        (["--intro", "."], "error: --intro: . is a folder, not a file"),
        (["--bitrate", "0x80"], "error: --bitrate: expected one of: 64, 96, 112, 128, 160, 192, 256, 320; got '0x80'"),
        (["--bitrate", "1_28"], "error: --bitrate: expected one of: 64, 96, 112, 128, 160, 192, 256, 320; got '1_28'"),
        (["--highpass", "1:10"], "error: --highpass: expected a number between 0 and 200, got '1:10'"),
        (["--hum", "55"], "error: --hum: expected auto, off, 50 or 60; got '55'"),
        (["--speech-detection", "on"], "error: --speech-detection: expected auto or off; got 'on'"),
        (
            ["--sample-rate", "0b1010110001000100"],
            "error: --sample-rate: expected one of: 22050, 32000, 44100, 48000; got '0b1010110001000100'",
        ),
        (
            ["--true-peak", "-1e0", "--crossfade", ".inf"],
            "error: --crossfade: expected a number between 0 and 5, got '.inf'",
        ),
    ],
)
def test_master_checks_its_options_as_the_files_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tone(tmp_path / "in.wav", seconds=2)
    result = CliRunner().invoke(cli, ["master", "in.wav", "out.mp3", *options])
    assert (result.exit_code, result.output) == (1, message + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]  # nothing written


def test_master_options_reach_the_encoder(tmp_path: Path) -> None:
    source = make_tone(tmp_path / "in.wav", seconds=2)
    out = tmp_path / "out.mp3"
    args = ["master", str(source), str(out), "--bitrate", "96", "--channels", "1", "--sample-rate", "22050"]
    result = CliRunner().invoke(cli, [*args, "--no-trim", "--json"])
    assert result.exit_code == 0, result.output
    info = MP3(out).info
    assert (info.bitrate, info.channels, info.sample_rate) == (96000, 1, 22050)


def test_master_help_shows_the_declared_defaults() -> None:
    shown = " ".join(CliRunner().invoke(cli, ["master", "--help"]).output.split())
    for key, field in fields_of(AudioSettings):
        flag = "--" + {"trim_silence": "trim"}.get(key, key).replace("_", "-")
        assert flag in shown
        assert field.help in shown
        if isinstance(field.default, bool):
            assert f"[default: {flag if field.default else flag.replace('--', '--no-')}]" in shown
        elif field.default is not None:
            assert f"{field.help} [default: {field.default}]" in shown
    assert "--bitrate [64|96|112|128|160|192|256|320]" in shown


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--true-peak", "-1e0"], {"true_peak": -1.0}),
        (
            ["--target-lufs", "-16", "--crossfade", "0.5", "--highpass", "+80"],
            {"target_lufs": -16.0, "crossfade": 0.5, "highpass": 80.0},
        ),
        (
            ["--bitrate", "128", "--max-boost", "1.5E1", "--max-cut", ".5"],
            {"bitrate": 128, "max_boost": 15.0, "max_cut": 0.5},
        ),
        (["--hum", "60"], {"hum": "60"}),
        (["--hum", "off"], {"hum": "off"}),
        (["--speech-detection", "off"], {"speech_detection": "off"}),
    ],
)
def test_master_reads_plain_decimal_numbers(options: list[str], expected: dict[str, object]) -> None:
    settings = cli.commands["master"].make_context("master", ["in.wav", "out.mp3", *options]).params
    given = _audio_settings({k: v for k, v in settings.items() if k not in ("source", "output", "as_json")})
    assert {key: getattr(given, key) for key in expected} == expected


NUMPY_FREE = """
import sys
from click.testing import CliRunner
import clgtv.lint, clgtv.content, clgtv.cli
print("numpy" in sys.modules)
result = CliRunner().invoke(clgtv.cli.cli, ["--root", sys.argv[1], "check"])
assert result.exit_code == 0, result.output
print("numpy" in sys.modules)
"""


def test_check_runs_without_numpy(project: Path) -> None:
    """`clgtv check` lints content: the audio engine's numpy stays unloaded (a fresh interpreter)."""
    found = subprocess.run([sys.executable, "-c", NUMPY_FREE, str(project)], capture_output=True, text=True, check=True)
    assert found.stdout == "False\nFalse\n"
