"""Declarative schemas for the hosts' YAML, validated with every problem collected.

A schema is a dict of field name -> Field. `validate` turns a YAML mapping into a plain
dict of converted values and appends a Problem (with file and line) for each mistake,
so one run of `clgtv check` reports everything at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from clgtv.errors import Problem


class Invalid(ValueError):
    """Raised by a converter; the message says what is expected."""


class LineDict(dict):
    """A mapping from YAML that remembers the line of each key, and the text of each plain scalar
    that YAML would read as something other than text (`1.10`, `0777`, `yes`), so text fields keep
    what the host wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.line = 1
        self.lines: dict[str, int] = {}
        self.source: dict[str, str] = {}


class LineList(list):
    """A sequence from YAML that remembers the line of each item, and the text of its plain scalars."""

    lines: list[int]
    source: list[str | None]


# libyaml's parser when PyYAML was built with it: far faster on many episode files (bench/README.md)
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    result.source = [child.value if _plain_non_text(child) else None for child in node.value]
    return result


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)):
            raise yaml.MarkedYAMLError(problem="a field name must be plain text", problem_mark=key_node.start_mark)
        if key in result:
            raise yaml.MarkedYAMLError(problem=f"duplicate field '{key}'", problem_mark=key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
        if _plain_non_text(value_node):
            result.source[key] = value_node.value
    return result


def _plain_non_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style and node.tag != "tag:yaml.org,2002:str"


def _or_text(construct: Callable[[Any, yaml.ScalarNode], Any]) -> Callable[[Any, yaml.ScalarNode], Any]:
    """A scalar YAML cannot build (the date 2026-02-30, a number of 5000 digits) stays text, so its
    field can say what is wrong with it."""

    def build(loader: _Loader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except ValueError:
            return node.value

    return build


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
for _tag, _construct in (
    ("timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp),
    ("int", yaml.constructor.SafeConstructor.construct_yaml_int),
):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _or_text(_construct))

NOT_YAML = "(this file is not valid YAML)"
ALIASES = "anchors and aliases (&name, *name) are not supported; write each value out in full"
HASHTAG = 'YAML reads " #" and all after it as a comment, so that text would be lost: put the whole value in quotes'


def load_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, list[Problem]]:
    """Parse YAML text; a syntax error becomes a Problem at its line. Aliases are refused, so a small
    file cannot expand into a huge one."""
    if found := _UNPARSED.search(text):
        return None, [Problem(path, first_line + text.count("\n", 0, found.start()), "yaml", _invisible(found[0]))]
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        return None, [Problem(path, first_line, "yaml", f"{exc} {NOT_YAML}")]
    try:
        node = loader.get_single_node()
        if (alias := _first_alias(node)) is not None:
            return None, [Problem(path, first_line + alias, "yaml", ALIASES)]
        if cut := _cut_by_comment(node, text.splitlines()):
            line, field = cut
            return None, [Problem(path, first_line + line, field, HASHTAG)]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line, message = _syntax_error(exc, text)
        return None, [Problem(path, first_line + line, "yaml", message)]
    except yaml.YAMLError as exc:
        return None, [Problem(path, first_line, "yaml", f"{exc} {NOT_YAML}")]
    except RecursionError:
        return None, [Problem(path, first_line, "yaml", f"nested too deeply {NOT_YAML}")]
    finally:
        loader.dispose()
    _shift_lines(data, first_line - 1)
    return data, []


# what a host most often writes that YAML cannot read, by PyYAML's words for it, with what to do instead
_QUOTE_IT = "put the whole value in double quotes"
_SYNTAX_ADVICE = {
    "mapping values are not allowed": f'a colon and a space inside a value: {_QUOTE_IT}, like title: "Episode 3: Data"',
    "block sequence entries are not allowed": f'a value cannot start with "- ": {_QUOTE_IT}',
    "found a tab character": "indent with spaces, not tabs",
    "did not find expected '-' indicator": "the lines of a list must be indented alike, with spaces",
    "could not find expected ':'": "write each field as name: value, with a space after the colon",
    "while scanning an alias": f"a value cannot start with *: {_QUOTE_IT}",
    "while scanning an anchor": f"a value cannot start with &: {_QUOTE_IT}",
    "while scanning a quoted scalar": "the quote mark that opens this value is never closed",
    "could not determine a constructor": f"a value cannot start with !: {_QUOTE_IT}",
    "did not find expected key": "a value that starts with a quote mark or a bracket must end with it: "
    f'{_QUOTE_IT}, and write each " inside it as \\"',
}
# where the broken construct began helps here (an unclosed quote, a key without its colon); elsewhere the
# context is the whole mapping, and the problem's own line is the one to mend
_FROM_CONTEXT = ("while scanning a quoted scalar", "while scanning a simple key")


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """The line (from 0) to point the host at, and what to do there."""
    mark = exc.context_mark if exc.context in _FROM_CONTEXT else exc.problem_mark
    mark = mark or exc.context_mark or exc.problem_mark
    line = mark.line if mark else 0
    what = f"{exc.context}: {exc.problem}" if exc.context else str(exc.problem)
    lines = [*text.splitlines(), ""]
    written, above = lines[min(line, len(lines) - 1)], lines[line - 1] if 0 < line < len(lines) else ""
    found = text[exc.problem_mark.index : exc.problem_mark.index + 1] if exc.problem_mark else ""
    advice = _advice(what, written, above, found)
    return line, f"{advice} (this file is not valid YAML: {what})" if advice else f"{what} {NOT_YAML}"


def _advice(what: str, written: str, above: str, found: str) -> str:
    """What to do about PyYAML's `what` on the line `written` (below `above`), the problem at `found`."""
    if "\u00a0" in written:
        return "contains a non-breaking space (U+00A0), often pasted from a word processor: type an ordinary space"
    if "mapping values are not allowed" in what and re.match(r"\s+[\w.-]+: ", written) and VALUED.match(above):
        return "this field is indented under one that has its value already: start it where the field above starts"
    if "cannot start any token" in what:
        return "indent with spaces, not tabs" if found == "\t" else f"a value cannot start with {found}: {_QUOTE_IT}"
    return next((advice for words, advice in _SYNTAX_ADVICE.items() if words in what), "")


VALUED = re.compile(r"\s*[\w.-]+: \S")  # a field with its value on its line


def _invisible(character: str) -> str:
    kind = "line separator" if character in "\u2028\u2029" else "control character"
    return f"contains the {kind} U+{ord(character):04X}; delete it (it is often pasted in by accident)"


def _first_alias(root: yaml.Node | None) -> int | None:
    """The line of the first alias (a node reached a second time), found without expanding anything.
    An alias has no position of its own, so the line is that of its field, or of its list."""
    seen: set[int] = set()
    stack = [(root, 0)] if root is not None else []
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            return line
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, node.start_mark.line) for item in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack += [(value, key.start_mark.line), (key, key.start_mark.line)]
    return None


def _cut_by_comment(root: yaml.Node | None, lines: list[str]) -> tuple[int, str] | None:
    """The line (from 0) and field of the first unquoted text followed by ` #word`: YAML reads a hashtag
    there as the start of a comment and drops it, with the rest of the line. After a number, a date or
    true/false, a comment is all it can be."""
    stack: list[tuple[yaml.Node, str]] = [(root, "yaml")] if root is not None else []
    while stack:
        node, field = stack.pop()
        if isinstance(node, yaml.ScalarNode) and not node.style and node.tag == "tag:yaml.org,2002:str":
            end = node.end_mark
            if end.line < len(lines) and re.match(r"[ \t]+#[^\s#]", lines[end.line][end.column :]):
                return end.line, field
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, field) for item in reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((value, str(key.value)) for key, value in reversed(node.value))
    return None


def _shift_lines(value: Any, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        value.lines = {k: n + offset for k, n in value.lines.items()}
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, list):
        if isinstance(value, LineList):
            value.lines = [n + offset for n in value.lines]
        for item in value:
            _shift_lines(item, offset)


Converter = Callable[[Any], Any]
REQUIRED = dataclasses.MISSING  # a field's default when the host must write it


@dataclass(frozen=True)
class Field:
    """One content field: how its YAML value is converted, its default, and a line of help for hosts.
    `name` is the model attribute it fills (it differs from the YAML key for `episode: 3`)."""

    convert: Converter
    required: bool = False
    default: Any = None
    help: str = ""
    name: str = ""


Schema = dict[str, Field]  # YAML key -> Field
_SPEC, _KEY = "clgtv", "clgtv.key"  # where a declaration sits in its dataclass field's metadata


def field(convert: Converter, *, help: str, default: Any = REQUIRED, derived: bool = False, key: str = "") -> Any:
    """Declare a model attribute read from YAML: its converter, default and help, once.

    Without a default the host must write it, unless `derived`: then the loader supplies the value
    (`artwork` becomes a path, `language` falls back to the site's). A dotted `key` reads the field
    from a nested mapping (`defaults.language`).
    """
    spec = Field(convert, required=default is REQUIRED and not derived, default=default, help=help)
    return dataclasses.field(default=default, metadata={_SPEC: spec, _KEY: key})


@functools.cache
def fields_of(cls: type) -> tuple[tuple[str, Field], ...]:
    """(YAML key, Field) for every content field of a model class, in declaration order."""
    return tuple(
        (attribute.metadata[_KEY] or attribute.name, dataclasses.replace(spec, name=attribute.name))
        for attribute in dataclasses.fields(cls)
        if (spec := attribute.metadata.get(_SPEC))
    )


@functools.cache
def schema_of(cls: type) -> Schema:
    """The schema of a model class, derived from its field declarations; dotted keys become groups."""
    schema: Schema = {}
    groups: dict[str, Schema] = {}
    for key, spec in fields_of(cls):
        head, _, rest = key.partition(".")
        if not rest:
            schema[key] = spec
        elif head not in groups:
            groups[head] = {rest: spec}
            schema[head] = Field(Group(groups[head]), help=f"settings under {head}", name=head)
        else:
            groups[head][rest] = spec
    return schema


def walk(cls: type, prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every content field a model reads, nested ones included, as (dotted YAML key, Field):
    `owner.email`, `people.name`, `defaults.audio.bitrate`."""
    for key, spec in fields_of(cls):
        yield prefix + key, spec
        if isinstance(spec.convert, Nested):
            yield from walk(spec.convert.model, f"{prefix}{key}.")


def build(cls: type, values: dict[str, Any], **derived: Any) -> Any:
    """A model from validated `values` (keyed as in the YAML); `derived` gives what the loader works out.
    A mapping that failed (None, its problems reported) leaves its field the declared default."""
    given = {}
    for key, spec in fields_of(cls):
        value = _lookup(values, key)
        failed = value is None and isinstance(spec.convert, Nested) and not spec.required
        if value is not _ABSENT and spec.name not in derived and not failed:
            given[spec.name] = value
    return cls(**given, **derived)


_ABSENT = object()


def _lookup(values: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(values, dict) or part not in values:
            return _ABSENT
        values = values[part]
    return values


def lines_of(data: Any, prefix: str = "") -> dict[str, int]:
    """The line of each key of a YAML mapping, nested mappings' keys dotted (`location.geo`)."""
    lines: dict[str, int] = {}
    if isinstance(data, LineDict):
        for key, line in data.lines.items():
            lines[f"{prefix}{key}"] = line
            lines.update(lines_of(data[key], f"{prefix}{key}."))
    return lines


@dataclass(frozen=True, kw_only=True)
class Read:
    """A model read from a host's file, which remembers where each of its fields was written."""

    lines: dict[str, int] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def line(self, key: str) -> int:
        """The line of `key` as the host writes it (`episode`, `owner.email`); 1 when it is not written."""
        return self.lines.get(key, 1)


@dataclass
class Context:
    """Where the mapping being validated lives, and the problems found so far."""

    path: Path
    problems: list[Problem]

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message))


def validate(data: Any, schema: Schema, ctx: Context, prefix: str = "", line: int = 1) -> dict:
    """Convert `data` by `schema`; record every problem in ctx; return what the host wrote, converted."""
    if data is None and not prefix:  # a file with no fields yet: each required one is missing
        data = {}
    if not isinstance(data, dict):
        ctx.add(line, prefix.rstrip(".") or "file", f"expected a mapping of fields, got {describe(data)}")
        return {}
    lines = getattr(data, "lines", {})
    source = getattr(data, "source", {})
    base_line = getattr(data, "line", line)
    result: dict[str, Any] = {}
    for key, value in data.items():
        key_line = lines.get(key, base_line)
        name = f"{prefix}{key}"
        field = schema.get(key) if isinstance(key, str) else None
        if field is None:
            ctx.add(key_line, name, _unknown_field_message(str(key), schema))
            continue
        if key in source and value is not None and getattr(field.convert, "keeps_source", False):
            value = source[key]  # `title: 1.10` is the text "1.10", not the number 1.1
        try:
            result[key] = _convert(field.convert, value, ctx, name, key_line)
        except Invalid as exc:
            nothing = source.get(key) if value is None else None  # `title: null`: YAML's word for nothing
            hint = f" (YAML reads {nothing} as nothing: put it in quotes)" if nothing else ""
            ctx.add(key_line, name, f"{exc}{hint}")
    for key, field in schema.items():
        if field.required and key not in data:
            ctx.add(base_line, f"{prefix}{key}", "required field is missing")
    return result


def _convert(convert: Converter, value: Any, ctx: Context, name: str, line: int) -> Any:
    if isinstance(convert, (Nested, Group, ListOf)):
        return convert.apply(value, ctx, name, line)
    if value is None:
        raise Invalid(f"is empty; {expected(convert)}")
    return convert(value)


def _unknown_field_message(key: str, schema: Schema) -> str:
    close = difflib.get_close_matches(key, list(schema), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(sorted(schema))
    return f"unknown field ({hint})"


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:60]}... ({len(str(value))} characters)"


def expected(convert: Converter) -> str:
    return getattr(convert, "expected", "expected a value")


# --- converters -------------------------------------------------------------------


def converter(expectation: str, textual: bool = False) -> Callable[[Converter], Converter]:
    """Attach the human description of what a converter accepts; `textual` converters take a plain
    YAML scalar as the host wrote it (`0123`, not 83)."""

    def mark(func: Converter) -> Converter:
        func.expected = expectation  # type: ignore[attr-defined]
        func.keeps_source = textual  # type: ignore[attr-defined]
        return func

    return mark


# what XML 1.0 cannot carry (C0 controls but tab and line breaks), DEL and C1 controls, non-characters
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# what the YAML parser would count as a line break or refuse outright: found first, at its true line
_UNPARSED = re.compile(ILLEGAL.pattern[:-1] + "\u2028\u2029]")


def legal_text(value: str) -> str:
    """`value`, or Invalid naming the first character that feeds and pages cannot carry."""
    if found := ILLEGAL.search(value):
        raise Invalid(
            f"contains the control character U+{ord(found[0]):04X} at character {found.start() + 1}; "
            "delete it (it is often pasted in by accident)"
        )
    return value


# the direction controls that hold until something ends them: embeddings and overrides end at U+202C, and
# isolates at U+2069, which ends the embeddings opened inside the isolate too
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMBEDDINGS, _ISOLATES = "\u202a\u202b\u202d\u202e", "\u2066\u2067\u2068"


def _unended_direction(value: str) -> re.Match[str] | None:
    """The first direction control that nothing in `value` ends. Left in a title, it turns the text
    after it around wherever an app shows the title (a list of episodes, a lock screen)."""
    opened: list[re.Match[str]] = []
    for found in _DIRECTION.finditer(value):
        if found[0] == "\u202c":
            if opened and opened[-1][0] in _EMBEDDINGS:
                opened.pop()
        elif found[0] == "\u2069":
            isolates = [at for at, each in enumerate(opened) if each[0] in _ISOLATES]
            del opened[isolates[-1] if isolates else len(opened) :]
        else:
            opened.append(found)
    return opened[0] if opened else None


def ended_direction(value: str) -> str:
    """`value` without the direction controls that nothing in it ends."""
    while found := _unended_direction(value):
        value = value[: found.start()] + value[found.end() :]
    return value


def text(max_length: int | None = None) -> Converter:
    @converter("expected text", textual=True)
    def convert(value: Any) -> str:
        if isinstance(value, (dict, list)):
            raise Invalid(f"expected text, got {describe(value)}")
        if not isinstance(value, str):
            raise Invalid(f'expected text, got {describe(value)}; put it in quotes, like "{value}"')
        result = legal_text(value.strip())
        if not result:
            raise Invalid("is empty; expected text")
        if found := _unended_direction(result):
            raise Invalid(
                f"contains the {unicodedata.name(found[0]).lower()} U+{ord(found[0]):04X} at character "
                f"{found.start() + 1}, and nothing ends it: apps would show the text after it the wrong way "
                "round; delete it (right-to-left words need no such character)"
            )
        if max_length and len(result) > max_length:
            raise Invalid(f"is {len(result)} characters; at most {max_length} allowed")
        return result

    return convert


@converter("expected a whole number", textual=True)
def whole(value: Any) -> int:
    """Decimal digits as the host wrote them: YAML 1.1 reads `010` as eight and `0x1`, `1_0` and `1:30`
    as numbers too; here `010` is ten, the others are refused, and a number in quotes is still one."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        raise Invalid(f"expected a whole number of at most 18 digits, got one of {len(value.strip().lstrip('+-'))}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"expected a whole number, got {describe(value)}")
    return value


def whole_between(low: int, high: int) -> Converter:
    @converter(f"expected a whole number from {low} to {high}", textual=True)
    def convert(value: Any) -> int:
        number = whole(value)
        if not low <= number <= high:
            raise Invalid(f"expected a whole number from {low} to {high}, got {number}")
        return number

    return convert


def number_between(low: float, high: float) -> Converter:
    @converter(f"expected a number between {low:g} and {high:g}")
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number between {low:g} and {high:g}, got {describe(value)}")
        if not low <= value <= high:
            raise Invalid(f"expected a number between {low:g} and {high:g}, got {value:g}")
        return float(value)

    return convert


def one_of(*choices: Any) -> Converter:
    shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in choices)

    @converter(f"expected one of: {shown}")
    def convert(value: Any) -> Any:
        if value not in choices or isinstance(value, bool) != isinstance(choices[0], bool):
            raise Invalid(f"expected one of: {shown}; got {describe(value)}")
        return value

    convert.choices = choices  # type: ignore[attr-defined]
    return convert


_TRUE_OR_FALSE = one_of(True, False)


@converter(expected(_TRUE_OR_FALSE))
def boolean(value: Any) -> bool:
    """true or false, in quotes too: `explicit: "false"` is false, not text to refuse."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return _TRUE_OR_FALSE(value)


boolean.choices = _TRUE_OR_FALSE.choices  # type: ignore[attr-defined]


def matching(pattern: str, expectation: str, max_length: int | None = None, lower: bool = False) -> Converter:
    """Text that must match `pattern` whole; the message says what is expected and what was given."""

    @converter(expectation, textual=True)
    def convert(value: Any) -> str:
        result = text(max_length)(value)
        if not re.fullmatch(pattern, result):
            raise Invalid(f"{expectation}, got {describe(value)}")
        return result.lower() if lower else result

    return convert


@converter("expected a file name, like recording.flac or ../clips/intro.wav", textual=True)
def file_name(value: Any) -> str:
    """A path to a file, relative to the file that names it; each part short enough for any disk."""
    result = text(1024)(value)
    longest = max(len(part.encode()) for part in re.split(r"[/\\]", result))
    if longest > 255:
        raise Invalid(f"has a folder or file name of {longest} bytes; at most 255 allowed")
    return result


email = matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "expected an email address like podcasts@example.org")
url = matching(r'https?://[^\s/<>"]+[^\s<>"]*', "expected a web address starting with https:// or http://")


_DATE_HINT = "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00"


@converter(_DATE_HINT, textual=True)
def zoned_datetime(value: Any) -> dt.datetime:
    """Read from the text as written: YAML's own reading takes a zone of +01:75 for +02:15."""
    if isinstance(value, str):
        text = value.strip()
        zone = re.search(r"[+-](\d{2}):?(\d{2})$", text)
        if zone and (int(zone[1]) > 23 or int(zone[2]) > 59):
            raise Invalid(f"{_DATE_HINT}; {zone[0]} is no zone (hours up to 23, minutes up to 59)")
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            value = _yaml_timestamp(text)  # its wider forms: 2026-1-2, a zone of +1
            if value is None:
                # a well-formed but impossible date (2026-02-30) gets Python's reason: "day is out of range for month"
                why = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
                raise Invalid(f"{_DATE_HINT}, got {describe(text)}{why}") from None
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            raise Invalid(f"{_DATE_HINT}; the time and zone are missing")
    if not isinstance(value, dt.datetime):
        raise Invalid(f"{_DATE_HINT}, got {describe(value)}")
    if value.tzinfo is None:
        raise Invalid(f"{_DATE_HINT}; the zone (like +01:00 or Z) is missing")
    if not 1970 <= value.year <= 2999:
        raise Invalid(f"expected a year from 1970 to 2999, got {value.year}")
    return value


def _yaml_timestamp(text: str) -> dt.datetime | dt.date | None:
    """`text` as YAML reads a timestamp, or None where it reads none."""
    if not _Loader.timestamp_regexp.fullmatch(text):
        return None
    try:
        return _Loader("").construct_yaml_timestamp(yaml.ScalarNode("tag:yaml.org,2002:timestamp", text))
    except ValueError:
        return None


_TIME_HINT = 'expected a time like "0:12:30" (hours:minutes:seconds)'


@converter(_TIME_HINT)
def clock_time(value: Any) -> float:
    """H:MM:SS(.sss) as seconds. YAML reads unquoted 0:12:30 as 750 already."""
    if isinstance(value, bool):
        raise Invalid(f"{_TIME_HINT}, got {describe(value)}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise Invalid(f"{_TIME_HINT}, got {value}")
        return float(value)
    match = re.fullmatch(r"(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)", str(value).strip())
    if not match:
        raise Invalid(f"{_TIME_HINT}, got {describe(value)}")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def clock_text(seconds: float) -> str:
    """Seconds as a host writes a time (what `clock_time` reads): 0:05:34, or 0:05:34.25 to the millisecond."""
    whole, fraction = divmod(round(seconds, 3), 1)
    text = f"{int(whole) // 3600}:{int(whole) // 60 % 60:02d}:{int(whole) % 60:02d}"
    return text + f"{fraction:.3f}".lstrip("0").rstrip("0") if fraction else text


@dataclass(frozen=True)
class Nested:
    """A mapping, or a list of mappings, that builds its model (a Person, a Location) field by field.
    With `overrides`, the fields written are kept as {attribute: value}, to apply over other settings."""

    model: type
    many: bool = False
    overrides: bool = False

    @property
    def expected(self) -> str:
        return "expected a list of mappings" if self.many else "expected a mapping"

    def apply(self, value: Any, ctx: Context, name: str, line: int) -> Any:
        if not self.many:
            return self._one(value, ctx, f"{name}.", line)
        if not isinstance(value, list):
            ctx.add(line, name, f"expected a list, got {describe(value)}")
            return ()
        items = tuple(self._one(item, ctx, f"{name}[{index}].", line) for index, item in enumerate(value, start=1))
        return None if None in items else items  # a list with an item left out would pass for a whole one

    def _one(self, value: Any, ctx: Context, prefix: str, line: int) -> Any:
        before = len(ctx.problems)
        values = validate(value, schema_of(self.model), ctx, prefix, line)
        if self.overrides:
            return {spec.name: values[key] for key, spec in fields_of(self.model) if key in values}
        return build(self.model, values) if len(ctx.problems) == before else None


@dataclass(frozen=True)
class Group:
    """A mapping that only groups fields of its parent's model (`defaults:` in clgtv.yaml)."""

    schema: Schema
    expected = "expected a mapping"

    def apply(self, value: Any, ctx: Context, name: str, line: int) -> dict:
        return validate(value, self.schema, ctx, f"{name}.", line)


@dataclass(frozen=True)
class ListOf:
    """A list of plain values; each bad item is reported at its own line."""

    item: Converter

    @property
    def expected(self) -> str:
        return f"expected a list ({expected(self.item)} each)"

    def apply(self, value: Any, ctx: Context, name: str, line: int) -> tuple:
        if value is None or value == []:
            ctx.add(line, name, f"is empty; {self.expected}")
            return ()
        values = value if isinstance(value, list) else [value]
        lines = getattr(values, "lines", [line] * len(values))
        source = getattr(values, "source", [None] * len(values))
        result = []
        for item, item_line, written in zip(values, lines, source, strict=True):
            if written is not None and item is not None and getattr(self.item, "keeps_source", False):
                item = written
            try:
                result.append(self.item(item))
            except Invalid as exc:
                ctx.add(item_line, name, str(exc))
        return tuple(result)
