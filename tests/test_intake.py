"""Snapshots measure a CSV's lines in the pass that copies and hashes it (`bulk.Lines`): the
same lines and empty lines as the whole file's bytes at once, wherever the blocks end, and the
copy and its SHA-256 those of the file."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgers import bulk, intake
from ledgers.limits import ReadLimits

HEADER = "病例编号,出院科室\n".encode()


def whole(data: bytes) -> tuple[int, bool]:
    """The lines and empty lines of a CSV's bytes, as the set-based path defined them on the
    whole file (before they were measured block by block)."""
    body = data.rstrip(b"\r\n")
    return body.count(b"\n") + 1, re.search(rb"\n(?=\r?\n)", body) is not None


AWKWARD = {
    "crlf": HEADER + b"E1,CARD\r\nE2,CARD\r\n",
    "crlf, an empty line": HEADER + b"E1,CARD\r\n\r\nE2,CARD\r\n",
    "lf, an empty line": HEADER + b"E1,CARD\n\nE2,CARD\n",
    "an empty line of a lone cr": HEADER + b"E1,CARD\n\r\nE2,CARD",
    "no final line break": HEADER + b"E1,CARD\nE2,CARD",
    "trailing line breaks": HEADER + b"E1,CARD\n\n\r\n\n",
    "trailing line breaks after an empty line": HEADER + b"E1\n\nE2\r\n\r\n\n\n",
    "only line breaks": b"\r\n\n\n\r\n",
    "a cr without lf": HEADER + b"E1\r\rE2\n\r\rE3\n",
    "a line break in a quoted cell": HEADER + b'E1,"a\r\nb"\nE2,"\n\n"\n',
    "empty": b"",
    "one byte": b"x",
    "a long trailing run": HEADER + b"E1" + b"\r\n" * 100,
}


def _measured_while_copied(path: Path, work: Path) -> tuple[tuple[int, bool], intake.Snapshot]:
    snap = intake.snapshot(path, work, ReadLimits(), watch=bulk.Lines)
    planned = bulk.BulkPlan(snap.copy, path.name, None, [])
    assert isinstance(snap.seen, bulk.Lines)
    snap.seen.measure(planned)
    assert planned.measured
    return (planned.lines, planned.patched), snap


def _measured_from_the_file(path: Path) -> tuple[int, bool]:
    planned = bulk.BulkPlan(path, path.name, None, [])
    bulk._measure(planned)
    return planned.lines, planned.patched


@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 16])
@pytest.mark.parametrize("name", list(AWKWARD))
def test_lines_measured_block_by_block_are_the_whole_files(tmp_path, monkeypatch, name, block):
    """Blocks of 1, 2 and 3 bytes put a block's end inside every "\\r\\n", between every two
    "\\n" and inside every empty line's match."""
    monkeypatch.setattr(intake, "BLOCK", block)
    data = AWKWARD[name]
    path = tmp_path / "出院病人明细.csv"
    path.write_bytes(data)
    work = tmp_path / "work"
    work.mkdir()
    measured, snap = _measured_while_copied(path, work)
    assert measured == whole(data)
    assert _measured_from_the_file(path) == whole(data)
    assert snap.copy.read_bytes() == data
    assert snap.sha256 == hashlib.sha256(data).hexdigest()
    assert intake.file_sha256(path) == snap.sha256  # a file loaded before: hashed, not copied


def test_the_awkward_files_cover_both_answers():
    answers = {whole(data)[1] for data in AWKWARD.values()}
    assert answers == {True, False}


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n", b"\n\n"]), max_size=40).map(
        b"".join
    ),
    cuts=st.lists(st.integers(0, 80), max_size=6),
)
def test_lines_fed_in_any_blocks_are_the_whole_files(data, cuts):
    lines = bulk.Lines()
    buffer = bytearray(len(data) + 8)
    start = 0
    for end in [*sorted(c for c in cuts if c <= len(data)), len(data)]:
        buffer[: end - start] = data[start:end]
        lines.feed(buffer, end - start)
        start = end
    planned = bulk.BulkPlan(Path("x.csv"), "x.csv", None, [])
    lines.measure(planned)
    assert (planned.lines, planned.patched) == whole(data)
