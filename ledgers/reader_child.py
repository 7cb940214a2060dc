"""The native spreadsheet reader, run in a child process with capped memory and time.

calamine aborts its whole process when an allocation fails (a Rust panic Python cannot catch: a
1.7 KB workbook with one cell at XFD1048576 ended the run with exit 134), and may run long on a
hostile file. In a child, that costs the workbook, not the run. The child is a plain
`python -c` process (not multiprocessing, which re-imports the caller's main script), started
once and reused, speaking pickles over its stdin and stdout; one that dies or overruns is
replaced for the next workbook.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from ledgers.limits import ReadLimits, mib

ROOT = str(Path(__file__).resolve().parents[1])  # where `ledgers` is importable from
PYTHONPATH = os.environ.get("PYTHONPATH", "")
_CHILD_CODE = "import sys; from ledgers.reader_child import serve; serve(int(sys.argv[1]))"


class ReaderStopped(Exception):
    """The child stopped on a workbook; the message says how."""


class _Child:
    def __init__(self, memory: int) -> None:
        self.memory = memory
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (ROOT, PYTHONPATH)))},
        )

    def ask(self, path: Path, seconds: float) -> tuple[str, object]:
        answer: list[tuple[str, object]] = []

        def listen() -> None:
            try:
                answer.append(pickle.load(self.process.stdout))
            except (EOFError, pickle.UnpicklingError, OSError):
                pass

        listener = threading.Thread(target=listen, daemon=True)
        try:
            pickle.dump(str(path.resolve()), self.process.stdin)
            self.process.stdin.flush()
        except OSError:
            raise ReaderStopped("crashed") from None
        listener.start()
        listener.join(seconds)
        if not answer:
            overran = listener.is_alive()
            self.stop()
            listener.join()
            raise ReaderStopped(
                f"took more than {seconds:g} s (ReadLimits.max_workbook_seconds)"
                if overran
                else f"crashed, or needed more than {mib(self.memory)} of memory"
            )
        return answer[0]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


_child: _Child | None = None
_lock = threading.Lock()


def read_apart(path: Path, bounds: ReadLimits) -> list[tuple[str, list[list[object]]]]:
    """`reader.read_workbook(path)` in the child; its FileError is raised here as it was there."""
    global _child
    with _lock:
        if _child is None or _child.memory != bounds.max_reader_bytes:
            if _child is not None:
                _child.stop()
            _child = _Child(bounds.max_reader_bytes)
        try:
            status, value = _child.ask(path, bounds.max_workbook_seconds)
        except ReaderStopped:
            _child = None
            raise
    if status == "error":
        raise value  # a FileError (or any exception) from reading, as the parent would get it
    return value


def serve(memory: int) -> None:
    """The child's loop: a path in, ("ok", grids) or ("error", exception) out."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from ledgers.reader import read_workbook

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            path = pickle.load(source)
        except EOFError:
            return
        try:
            answer: tuple[str, object] = ("ok", read_workbook(Path(path)))
        except Exception as error:  # noqa: BLE001 -- handed to the parent, which decides
            answer = ("error", error)
        try:
            pickle.dump(answer, sink, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            pickle.dump(("error", MemoryError("the sheet is too big to hand over")), sink)
        sink.flush()
