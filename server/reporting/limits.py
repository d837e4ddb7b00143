"""What an imported file may hold, checked before the file can cost more than it should.

An organiser's upload is parsed in a worker thread so the live screens never wait for it,
but a thread does not bound memory or time. A definition nested ten thousand levels deep
takes a recursive parser minutes and then fails; a small ZIP can unpack into gigabytes.
So every import is bounded in size, nesting depth, number of values, number of files,
compression ratio and rows, and each bound refuses with a message rather than a 500.
The numbers are far above any real panel: the Bergen definition is 4 levels deep and
has about 300 values; the export of a town-hall evening with 5,000 phones and 40 survey
questions is about 30 MB of CSV.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

import yaml

from facilitation.errors import N_
from server.reporting.invalid import Invalid

DEPTH_MAX = 32
VALUES_MAX = 200_000
MEMBERS_MAX = 100
MEMBER_MAX_BYTES = 64 * 1024 * 1024
ARCHIVE_MAX_BYTES = 160 * 1024 * 1024
RATIO_MAX = 200
ROWS_MAX = 1_000_000
_CHUNK = 1024 * 1024
_BRACKETS = re.compile(r"[\[\]{}]")


def check_shape(value: Any) -> None:
    """Refuse a parsed JSON or YAML value nested too deeply or holding too many values."""
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > VALUES_MAX:
            raise Invalid(N_("The file holds more than %(max)s values."), max=f"{VALUES_MAX:,}")
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > DEPTH_MAX:
            raise Invalid(N_("The file is nested more than %(max)s levels deep."), max=DEPTH_MAX)
        stack.extend((child, depth + 1) for child in children)


def load_json(content: bytes) -> Any:
    """JSON within the bounds, or `Invalid`."""
    try:
        value = json.loads(content.decode("utf-8-sig"))
    except RecursionError:
        raise Invalid(
            N_("The file is nested more than %(max)s levels deep."), max=DEPTH_MAX
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise Invalid(N_("The file is not valid JSON.")) from None
    check_shape(value)
    return value


def check_yaml_events(text: str) -> None:
    """Walk the YAML's events (no recursion, no objects built) before loading it.

    Refuses aliases, which no definition needs and which make small files huge, nesting
    deeper than `DEPTH_MAX` and more than `VALUES_MAX` values.
    """
    if _brackets_deeper_than(text, DEPTH_MAX):
        raise Invalid(N_("The file is nested more than %(max)s levels deep."), max=DEPTH_MAX)
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise Invalid(N_("The file uses YAML aliases; write every value out."))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > DEPTH_MAX:
                raise Invalid(
                    N_("The file is nested more than %(max)s levels deep."), max=DEPTH_MAX
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > VALUES_MAX:
                raise Invalid(N_("The file holds more than %(max)s values."), max=f"{VALUES_MAX:,}")


def _brackets_deeper_than(text: str, limit: int) -> bool:
    """Whether `[` and `{` nest deeper than `limit`, counted on the raw text.

    PyYAML's scanner reads a whole flow collection, `[[[[…`, before its first event and
    spends quadratic time on it (4,000 levels: two seconds), so this bound comes first.
    Quotes are not told apart: brackets inside quoted text never nest 32 deep in a real
    definition. It stops at the first bracket too deep.
    """
    depth = 0
    for bracket in _BRACKETS.finditer(text):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        if depth > limit:
            return True
    return False


def read_members(data: bytes, wanted: Iterable[str]) -> dict[str, bytes]:
    """The wanted files of a ZIP, each read in chunks and counted as it is unpacked.

    The sizes in a ZIP's directory are written by whoever made the file, so they are
    checked, then the unpacked bytes are counted while reading: a file may unpack to at
    most `MEMBER_MAX_BYTES` and `RATIO_MAX` times its packed size, and all files together
    to `ARCHIVE_MAX_BYTES`. Missing files are simply absent from the answer.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Invalid(N_("The file is not a ZIP file.")) from None
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        members = archive.infolist()
        if len(members) > MEMBERS_MAX:
            raise Invalid(N_("The ZIP file has too many files for an export."))
        by_name = {member.filename: member for member in members}
        for name in wanted:
            member = by_name.get(name)
            if member is None:
                continue
            # A lying directory can claim a large packed size, never more than the upload.
            packed = max(1, min(member.compress_size, len(data)))
            room = min(MEMBER_MAX_BYTES, ARCHIVE_MAX_BYTES - total)
            limit = min(room, packed * RATIO_MAX)
            if member.file_size > limit:
                raise _too_large(name, member.file_size, packed, room)
            chunks = []
            size = 0
            try:
                with archive.open(member) as handle:
                    while chunk := handle.read(_CHUNK):
                        size += len(chunk)
                        if size > limit:
                            raise _too_large(name, size, packed, room)
                        chunks.append(chunk)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                RuntimeError,
                EOFError,
                NotImplementedError,
            ):
                raise Invalid(N_("%(file)s in the ZIP file is damaged."), file=name) from None
            total += size
            files[name] = b"".join(chunks)
    return files


def _too_large(name: str, size: int, packed: int, room: int) -> Invalid:
    if size > packed * RATIO_MAX:
        return Invalid(
            N_(
                "%(file)s unpacks to more than %(ratio)s times its packed size, which no "
                "export does; the file is refused."
            ),
            file=name,
            ratio=RATIO_MAX,
        )
    return Invalid(
        N_("%(file)s unpacks to more than %(max)s MB, more than an import may hold."),
        file=name,
        max=room // (1024 * 1024),
    )
