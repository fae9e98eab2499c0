"""The `clgtv` command line: thin click commands over the pipeline's functions."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from clgtv import __version__, content, scaffold
from clgtv.audio.master import master as master_recording
from clgtv.audio.meter import measure
from clgtv.build import build as build_site
from clgtv.errors import ClgtvError, ContentError, display_path
from clgtv.server import make_server
from clgtv.settings import AudioSettings
from clgtv.storage import DirectoryTarget, sync


class Group(click.Group):
    """Turns every ClgtvError into its message on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ContentError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; nothing was published.", err=True)
            sys.exit(1)
        except ClgtvError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


def say(message: str) -> None:
    click.echo(message, err=True)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="clgtv")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help="Project folder.")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Publish CLGdotTV's programmes as podcasts: audio, feeds and pages."""
    ctx.obj = root.resolve()


@cli.command()
@click.pass_obj
def check(root: Path) -> None:
    """Validate clgtv.yaml, every show.yaml and every episode file.

    Prints every problem as PATH:LINE: field: message and exits 1 if there are any.

    Example: clgtv check
    """
    loaded = content.load(root)
    episodes = sum(len(p.episodes) for p in loaded.programmes)
    click.echo(f"ok: {len(loaded.programmes)} programmes, {episodes} episodes")


@cli.command()
@click.argument("show")
@click.argument("title")
@click.pass_obj
def new(root: Path, show: str, title: str) -> None:
    """Create a draft episode file for SHOW with today's date and a fresh guid.

    Example: clgtv new clgdottv-podcast "Data in social care"
    """
    path = scaffold.new_episode(content.load(root), show, title, dt.datetime.now().astimezone())
    click.echo(display_path(path))


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Recordings processed at once (default: CPUs).")
@click.pass_obj
def build(root: Path, shows: tuple[str, ...], jobs: int | None) -> None:
    """Process audio (cached) and render feeds and pages into build/site.

    Example: clgtv build an-audience-with-clgdottv -j 2
    """
    result = build_site(content.load(root), shows, jobs=jobs, log=say)
    _summarise(result)


@cli.command()
@click.option("--target", help="Folder to publish to (default: target in clgtv.yaml, else public).")
@click.option("--dry-run", is_flag=True, help="Build and print the plan; change nothing in the target.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Recordings processed at once (default: CPUs).")
@click.pass_obj
def publish(root: Path, target: str | None, dry_run: bool, jobs: int | None) -> None:
    """Build, then copy what changed to the target: media first, pages next, feeds last.

    Example: clgtv publish --target public --dry-run
    """
    loaded = content.load(root)
    result = build_site(loaded, jobs=jobs, log=say)
    _summarise(result)
    destination = DirectoryTarget(root / (target or loaded.site.target))
    plan = sync(result.site_dir, destination, dry_run=dry_run, log=say)
    verb = "would publish" if dry_run else "published"
    click.echo(f"{verb} {len(plan.uploads)} files to {destination} ({len(plan.unchanged)} unchanged)")


def _summarise(result) -> None:
    for episode, why in result.held_back:
        say(f"held back: {display_path(episode.path)} ({why})")
    releases = sum(len(e.releases) for e in result.editions)
    say(f"built {len(result.editions)} programmes, {releases} episodes ({len(result.processed)} recordings processed)")


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on (0.0.0.0: whole network).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="Folder (default: target).")
@click.pass_obj
def serve(root: Path, port: int, host: str, directory: Path | None) -> None:
    """Serve the published folder over HTTP, with HEAD and Range support for podcast apps.

    Example: clgtv serve --port 8000
    """
    folder = directory or root / content.load(root).site.target
    if not folder.is_dir():
        raise ClgtvError(f"{display_path(folder)}: nothing published yet; run `make publish` first")
    server = make_server(folder, host, port)
    say(f"serving {display_path(folder)} at http://{host}:{port}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target-lufs", type=float, default=-16.0, show_default=True, help="Integrated loudness target.")
@click.option("--true-peak", type=float, default=-1.0, show_default=True, help="True-peak ceiling in dBTP.")
@click.option("--bitrate", type=int, default=128, show_default=True, help="MP3 bitrate in kb/s.")
@click.option("--channels", type=click.IntRange(1, 2), default=2, show_default=True, help="1 mono, 2 stereo.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def master(source: Path, output: Path, as_json: bool, **settings: float) -> None:
    """Process one recording: high-pass, normalise, limit, encode MP3; report before and after.

    Example: clgtv master panel.wav panel.mp3 --target-lufs -16
    """
    report = master_recording(source, output, AudioSettings(**settings))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    for label, value in (("before", report.before), ("after", report.after)):
        click.echo(f"{label:>6}: {_loudness_line(value)}")
    click.echo(f"  gain: {report.gain_db:+.1f} dB, limiter up to {report.limiting_db:.1f} dB")
    for warning in report.warnings:
        say(f"warning: {display_path(source)}: {warning}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per file.")
def loudness(files: tuple[Path, ...], as_json: bool) -> None:
    """Measure integrated loudness, loudness range, true peak and duration (BS.1770-4).

    Example: clgtv loudness episode.mp3 --json
    """
    results = {str(path): measure(path) for path in files}
    if as_json:
        click.echo(json.dumps({name: value.as_dict() for name, value in results.items()}, indent=2))
        return
    for name, value in results.items():
        click.echo(f"{name}: {_loudness_line(value)}")


def _loudness_line(value) -> str:
    return (
        f"I {value.integrated:.1f} LUFS, LRA {value.range:.1f} LU, "
        f"true peak {value.true_peak:.1f} dBTP, {value.duration:.1f} s"
    )
