"""The `clgtv` command line: thin click commands over the pipeline's functions."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from clgtv import __version__, content, scaffold
from clgtv import schema as s
from clgtv.errors import ClgtvError, ContentError, display_path, printable
from clgtv.files import file_message
from clgtv.secrets import redact
from clgtv.settings import CLIPS, AudioSettings

# Each command imports its stage where it runs: `clgtv master` on a three-hour recording then
# carries no boto3, feedgen or Jinja2 in memory, and `clgtv check` starts without numpy.


class Group(click.Group):
    """Turns every ClgtvError, and a disk that fails, into its message on stderr and exit code 1."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except SystemExit as exc:
            if exc.code == click.UsageError.exit_code:  # a mistyped command or option is bad input like any other
                sys.exit(1)
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ContentError as exc:
            for problem in exc.problems:
                say(str(problem))
            say(f"{len(exc.problems)} problem(s) found; nothing was published.")
            sys.exit(1)
        except ClgtvError as exc:
            say(f"error: {exc}")
            sys.exit(1)
        except OSError as exc:  # a full or read-only disk under build/, say
            where = f"{display_path(exc.filename)}: " if exc.filename else ""
            say(f"error: {where}{exc.strerror or exc}")
            sys.exit(1)


def say(message: str) -> None:
    """Every line clgtv prints: credentials redacted, control characters shown as codes."""
    click.echo(printable(redact(message)), err=True)


def progress_bar(name: str, last: str = "rendering"):
    """A one-line progress bar on stderr, only when a person is watching; it ends at stage `last`."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, fraction: float) -> None:
        filled = round(fraction * 30)
        end = "\n" if stage == last and fraction >= 1 else ""
        click.echo(f"\r{name}: {stage:<9} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%}", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show


@click.group(cls=Group)
@click.version_option(__version__, prog_name="clgtv")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help="Project folder.")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Publish CLGdotTV's programmes as podcasts: audio, feeds and pages."""
    from clgtv.audio import configure_process

    configure_process()
    ctx.obj = root.resolve()


@cli.command()
@click.pass_obj
def check(root: Path) -> None:
    """Validate clgtv.yaml, every show.yaml and every episode file, then lint the feeds they make.

    Prints every problem as PATH:LINE: field: message and exits 1 if there are any. Feed warnings
    (Apple's and Podcasting 2.0 recommendations) are printed but do not fail. No audio is processed:
    `build` checks the media facts.

    Example: clgtv check
    """
    loaded = content.load(root)
    from clgtv import lint
    from clgtv.history import history_problems
    from clgtv.notifications import notify_warnings
    from clgtv.secrets import secret_warnings

    errors, warnings = lint.check_content(loaded)
    errors += history_problems(loaded, _local_target(loaded))
    warnings += secret_warnings(loaded.files()) + notify_warnings(loaded.site)
    for warning in warnings:
        say(f"warning: {warning}")
    if errors:
        raise ContentError(errors)
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


@cli.command("import")
@click.argument("feed")
@click.argument("show")
@click.option(
    "--media",
    "media_folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding the recordings already, matched by the enclosures' file names (no recording is downloaded).",
)
@click.option("--feed-url", help="The old feed's public address, when FEED is a file (for the programme's guid).")
@click.pass_obj
def import_(root: Path, feed: str, show: str, media_folder: Path | None, feed_url: str | None) -> None:
    """Move an existing podcast in: FEED (a web address or a file) becomes the new programme SHOW.

    Writes episodes/SHOW/show.yaml, the artwork and one episode file per item with its recording,
    transcript and chapters, keeping every guid, title and date. An existing SHOW is never touched.

    Example: clgtv import https://feeds.example.org/council-podcast.xml council-podcast
    """
    from clgtv.importer import import_feed

    folder = import_feed(root, feed, show, media_folder, feed_url, log=say)
    episodes = len(list(folder.glob("*.md")))
    click.echo(f"imported {episodes} episodes into {display_path(folder)}; run clgtv check, then publish")


JOBS_HELP = (
    "CPUs to use (default: all): recordings processed at once, then shared by the transcriptions, "
    "and page-rendering processes for large programmes."
)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help=JOBS_HELP)
@click.pass_obj
def build(root: Path, shows: tuple[str, ...], jobs: int | None) -> None:
    """Process audio (cached) and render feeds and pages into build/site.

    Example: clgtv build an-audience-with-clgdottv -j 2
    """
    from clgtv.build import build as build_site
    from clgtv.build import building
    from clgtv.history import history_problems

    loaded = content.load(root)
    if problems := history_problems(loaded, _local_target(loaded), shows):
        raise ContentError(problems)
    with building(loaded.site):
        result = build_site(loaded, shows, jobs=jobs, log=say, progress=progress_bar("transcribing", "done"))
    _summarise(result)


@cli.command()
@click.argument("episodes", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace an existing draft with a new one, losing its corrections.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="CPUs to use (default: all), as for build.")
@click.pass_obj
def transcribe(root: Path, episodes: tuple[Path, ...], overwrite: bool, jobs: int | None) -> None:
    """Transcribe each EPISODE's recording into a draft transcript next to its file, for a host to correct.

    Writes episodes/<show>/<episode>.vtt and adds `transcript:` naming it to the episode file; from
    then on that file, as corrected, is the episode's published transcript. An existing draft is
    never replaced unless you pass --overwrite.

    Example: clgtv transcribe episodes/clgdottv-podcast/2026-10-02-inclusive-digital-economy.md
    """
    from clgtv.build import building
    from clgtv.drafts import transcribe as write_drafts

    loaded = content.load(root)
    with building(loaded.site):
        write_drafts(loaded, episodes, overwrite, jobs, log=say, progress=progress_bar("transcribing", "done"))


@cli.command()
@click.option("--target", help="Folder or s3://bucket/prefix (default: target in clgtv.yaml, else public).")
@click.option("--dry-run", is_flag=True, help="Build and print the plan (uploads, deletions); change nothing.")
@click.option("--prune", is_flag=True, help="Delete published files that are no longer built.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help=JOBS_HELP)
@click.pass_obj
def publish(root: Path, target: str | None, dry_run: bool, prune: bool, jobs: int | None) -> None:
    """Build, then upload what changed to the target: media first, pages next, feeds last.

    Example: clgtv publish --target s3://podcasts/clgtv --dry-run
    """
    loaded = content.load(root)
    from clgtv.build import build as build_site
    from clgtv.build import building
    from clgtv.history import history_problems, prefix_warnings
    from clgtv.notifications import Announcer
    from clgtv.storage import open_target
    from clgtv.storage import publish as sync

    destination = open_target(target or loaded.site.target, loaded.site)
    if problems := history_problems(loaded, destination):
        raise ContentError(problems)
    for warning in prefix_warnings(loaded, destination):
        say(f"warning: {warning}")
    with building(loaded.site):
        result = build_site(loaded, jobs=jobs, log=say, progress=progress_bar("transcribing", "done"))
        _summarise(result)
        live = sys.stderr if sys.stderr.isatty() else None
        mediums = {edition.feed_path: edition.programme.show.medium for edition in result.editions}
        announce = Announcer(loaded.site, mediums, log=say)
        plan = sync(result.site_dir, destination, dry_run, prune, log=say, live=live, after_feeds=announce)
    if dry_run:
        announce.preview(plan.stages[-1])
    verb = "would publish" if dry_run else "published"
    deleted = "would delete" if dry_run else "deleted"
    gone = f", {len(plan.deletions)} {deleted}" if prune else f", {len(plan.kept)} no longer built, kept"
    click.echo(f"{verb} {len(plan.uploads)} files to {destination} ({len(plan.unchanged)} unchanged{gone})")


def _local_target(loaded: content.Content):
    """The configured target when it is a folder (it costs nothing to read), else None: S3 is read by publish."""
    from clgtv.storage import open_target

    return None if "://" in loaded.site.target else open_target(loaded.site.target, loaded.site)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--write", is_flag=True, help="Add the guid line to each show.yaml that has none.")
@click.option("--target", help="Read the published feeds from this folder or s3://bucket/prefix (default: target).")
@click.pass_obj
def guid(root: Path, shows: tuple[str, ...], write: bool, target: str | None) -> None:
    """Print each programme's podcast:guid line for show.yaml; with --write, add it where it is missing.

    A programme without one gets the guid its published feed carries, else the one derived from its
    feed's address today, so apps see no change. A guid already written is never changed.

    Example: clgtv guid clgdottv-podcast --write
    """
    from clgtv.history import published_programme_guid
    from clgtv.identity import guid_line, suggested_guid, write_guid
    from clgtv.layout import feed_path
    from clgtv.storage import open_target

    loaded = content.load(root)
    source = open_target(target or loaded.site.target, loaded.site)
    for programme in loaded.select(shows):
        show = programme.show
        if show.guid is not None:
            click.echo(f"{display_path(show.path)}: {guid_line(show.guid)}")
            continue
        value = published_programme_guid(source.read(feed_path(show.slug))) or suggested_guid(loaded.site, show)
        if write:
            write_guid(show, value, loaded.site)
        click.echo(f"{display_path(show.path)}: {'wrote' if write else 'add'} {guid_line(value)}")


@cli.command()
@click.argument("old_base_url")
@click.option("--target", "old_target", required=True, help="The old site's folder or s3://bucket/prefix.")
@click.option("--apply", "apply_", is_flag=True, help="Write the redirects and the old feeds' itunes:new-feed-url.")
@click.pass_obj
def redirects(root: Path, old_base_url: str, old_target: str, apply_: bool) -> None:
    """After base_url moved: send each of the old site's addresses on to the new one (HTTP 301).

    Run it after the first publish at the new base_url. Prints one `OLD_PATH NEW_URL 301` line per
    file (a _redirects file for Netlify or Cloudflare Pages; the README has nginx and Apache). With
    --apply, each old feed gets itunes:new-feed-url, and in an S3 bucket each old object gets its
    redirect, which S3 website hosting answers with a 301.

    Example: clgtv redirects https://old.example.org/podcasts/ --target s3://old-bucket/podcasts --apply
    """
    from clgtv.build import building
    from clgtv.redirects import apply_move, plan_move
    from clgtv.storage import S3Target, open_target
    from clgtv.storage.sync import locked, still_ours

    loaded = content.load(root)
    old = open_target(old_target, loaded.site)
    if str(old) == str(open_target(loaded.site.target, loaded.site)):
        raise ClgtvError(
            f"{old}: this is target still: the old and new addresses serve the same files, so redirect the old "
            "host name where it is served (see Moving base_url in the README)"
        )
    site_dir = loaded.site.build_dir / "site"
    with building(loaded.site):
        move = plan_move(loaded, old_base_url, old, site_dir)  # every refusal comes before a byte is written
        if apply_:
            with locked(old, say) as lock:  # a publish still running there must not interleave with the feeds
                move = plan_move(loaded, old_base_url, old, site_dir)
                apply_move(move, old, lambda: still_ours(old, lock, "writing the old feeds", "clgtv redirects --apply"))
    for line in move.lines():
        click.echo(line)
    done = "" if apply_ else "would "
    where = "redirects and " if isinstance(old, S3Target) else ""
    redirected = (
        f"{len(move.redirects)} addresses {done}redirect"
        if where or not apply_
        else f"{len(move.redirects)} addresses to redirect where {old} is served (the plan above)"
    )
    say(
        f"{redirected}, {len(move.feeds)} old feeds {done}get itunes:new-feed-url, "
        f"{len(move.unmatched)} files have no counterpart and stay as they are"
        + (f"; {where}feeds written to {old}" if apply_ else "; --apply writes them")
    )


@cli.command()
@click.option("--target", help="s3://bucket/prefix (default: target in clgtv.yaml).")
@click.pass_obj
def cors(root: Path, target: str | None) -> None:
    """Let web players on other sites read the feeds, chapters and transcripts: add clgtv's CORS rule
    (GET and HEAD from any origin) to the S3 bucket, keeping its other rules. The rule is the bucket's,
    so it covers every prefix in it. A folder needs none with clgtv serve.

    Example: clgtv cors --target s3://podcasts/clgtv
    """
    loaded = content.load(root)
    from clgtv.cors import apply
    from clgtv.storage import open_target

    apply(open_target(target or loaded.site.target, loaded.site), log=click.echo)


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
    target = content.load(root).site.target
    if directory is None and "://" in target:
        raise ClgtvError(f"{target}: serve shows a folder; publish to one (--target public) and pass --dir public")
    folder = directory or root / target
    if not folder.is_dir():
        raise ClgtvError(f"{display_path(folder)}: nothing published yet; run `make publish` first")
    from clgtv.server import make_server

    server = make_server(folder, host, port)
    say(f"serving {display_path(folder)} at http://{host}:{port}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


OPTION_NAMES = {"trim_silence": "trim"}  # the audio settings' names on the command line, where shorter
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # plain decimals: no 0x80, 1_28 or 1:10


def _flag(key: str) -> str:
    """The option of an audio setting: `trim_silence` is --trim."""
    return "--" + OPTION_NAMES.get(key, key).replace("_", "-")


def audio_options(command):
    """One option for each audio setting, from its declaration: the file's converter, default and help."""
    for key, field in reversed(list(s.fields_of(AudioSettings))):
        flag = _flag(key)
        if field.convert is s.boolean:
            negative = flag.replace("--", "--no-", 1)
            shown = flag if field.default else negative
            option = click.option(f"{flag}/{negative}", key, default=None, help=f"{field.help} [default: {shown}]")
        else:
            shown = "" if field.default is None else f" [default: {field.default}]"
            choices = getattr(field.convert, "choices", None)
            metavar = "[" + "|".join(map(str, choices)) + "]" if choices else "FILE" if key in CLIPS else "NUMBER"
            option = click.option(flag, key, metavar=metavar, help=field.help + shown)
        command = option(command)
    return command


def _audio_settings(given: dict[str, object]) -> AudioSettings:
    """The options given, converted by the same settings' converters as in a YAML file (numbers read
    strictly); a bad one is an error naming its option."""
    values = {}
    for key, field in s.fields_of(AudioSettings):
        if (text := given.get(key)) is None:
            continue
        flag = _flag(key)
        value = text if isinstance(text, bool) or getattr(field.convert, "keeps_source", False) else _number(text)
        try:
            values[key] = field.convert(value)
        except s.Invalid as exc:
            raise ClgtvError(f"{flag}: {exc}") from None
        if key in CLIPS and (problem := file_message(Path(values[key]), values[key])):
            raise ClgtvError(f"{flag}: {problem}")
    return AudioSettings().merged(values, Path.cwd())


def _number(text: str) -> object:
    """An option's text as a number when it is a plain decimal (-16, 128, 0.5, -1e0), else the text,
    for the setting's converter to refuse."""
    if not NUMBER.fullmatch(text):
        return text
    return float(text) if any(c in text for c in ".eE") else int(text)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@audio_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def master(source: Path, output: Path, as_json: bool, **options: object) -> None:
    """Process one recording: high-pass, hum removal, noise gate, level, normalise, limit, encode; report it.

    Example: clgtv master panel.wav panel.mp3 --target-lufs -16
    """
    audio = _audio_settings(options)
    from clgtv.audio.master import master as master_recording

    report = master_recording(source, output, audio, progress=progress_bar(source.name))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    for label, value in (("before", report.before), ("after", report.after)):
        click.echo(f"{label:>6}: {_loudness_line(value)}")
    low, high = report.gain_range_db
    click.echo(f"  gain: {low:+.1f} to {high:+.1f} dB, limiter up to {report.limiting_db:.1f} dB")
    if hum := report.hum:
        numbers = ", ".join(str(h.number) for h in hum.harmonics)
        reduction = "" if hum.reduction_db is None else f", {hum.reduction_db:.1f} dB lower in the pauses"
        click.echo(f"   hum: {hum.fundamental:.2f} Hz, harmonics {numbers} subtracted{reduction}")
    if (noise := report.noise) and noise.floor_db is not None:
        done = f"turned down by up to {noise.strength_db:.1f} dB" if noise.strength_db else "left alone"
        heard = "" if noise.reduction_db is None else f", {noise.reduction_db:.1f} dB lower in the pauses"
        click.echo(f" noise: floor {noise.floor_db:.1f} dBFS, {done}{heard}")
    for warning in report.warnings:
        say(f"warning: {display_path(source)}: {warning}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per file.")
def loudness(files: tuple[Path, ...], as_json: bool) -> None:
    """Measure integrated loudness, loudness range, true peak and duration (BS.1770-4).

    Example: clgtv loudness episode.mp3 --json
    """
    from clgtv.audio.meter import measure

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
