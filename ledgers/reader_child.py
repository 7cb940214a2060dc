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
import tempfile
import threading
from pathlib import Path

from ledgers.limits import ReadLimits, mib, using

ROOT = str(Path(__file__).resolve().parents[1])  # where `ledgers` is importable from
PYTHONPATH = os.environ.get("PYTHONPATH", "")
_CHILD_CODE = "import sys; from ledgers.reader_child import serve; serve(int(sys.argv[1]))"


class ReaderStopped(Exception):
    """The child stopped on a workbook; the message says how."""


class _Child:
    def __init__(self, memory: int) -> None:
        self.memory = memory
        # What the child says as it dies ("memory allocation of … bytes failed" from Rust).
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (ROOT, PYTHONPATH)))},
        )

    def ask(self, request: tuple, bounds: ReadLimits) -> tuple[str, object]:
        seconds = bounds.max_workbook_seconds
        answer: list[tuple[str, object]] = []

        def listen() -> None:
            try:
                answer.append(pickle.load(self.process.stdout))
            except (EOFError, pickle.UnpicklingError, OSError):
                pass

        listener = threading.Thread(target=listen, daemon=True)
        try:
            pickle.dump((request, bounds), self.process.stdin)
            self.process.stdin.flush()
        except OSError:
            raise ReaderStopped("crashed") from None
        listener.start()
        listener.join(seconds)
        if not answer:
            overran = listener.is_alive()
            self.process.kill()
            self.process.wait()
            listener.join()
            why = (
                f"took more than {seconds:g} s (ReadLimits.max_workbook_seconds)"
                if overran
                else self.why_it_died()
            )
            self.stop()
            raise ReaderStopped(why)
        return answer[0]

    def why_it_died(self) -> str:
        self.stderr.seek(0)
        said = self.stderr.read()[-4096:]
        if b"memory allocation of" in said or b"MemoryError" in said:
            return memory_message(self.memory)
        return f"crashed, or needed more than {mib(self.memory)} of memory"

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.stderr.close()


def memory_message(memory: int) -> str:
    return (
        f"needed more than the {mib(memory)} of memory it may use "
        "(ReadLimits.max_reader_bytes, DEPTOPS_READER_MEMORY)"
    )


_child: _Child | None = None
_lock = threading.Lock()


def read_apart(path: Path, bounds: ReadLimits) -> list[tuple[str, list[list[object]]]]:
    """`reader.read_workbook(path)` in the child; its FileError is raised here as it was there."""
    return _ask(("grids", str(path.resolve())), bounds)


def stream_apart(path: Path, name: str, folder: Path, bounds: ReadLimits) -> list:
    """`workbook_csv.stream_workbook(path, name, folder)` in the child: the sheets written as
    CSV files in `folder`; its NotPlain and FileError are raised here as they were there."""
    return _ask(("stream", str(path.resolve()), name, str(folder)), bounds)


def _ask(request: tuple, bounds: ReadLimits) -> object:
    global _child
    with _lock:
        if _child is None or _child.memory != bounds.max_reader_bytes:
            if _child is not None:
                _child.stop()
            _child = _Child(bounds.max_reader_bytes)
        try:
            status, value = _child.ask(request, bounds)
        except ReaderStopped:
            _child = None
            raise
    if status == "error":
        raise value  # a FileError (or any exception) from reading, as the parent would get it
    return value


def serve(memory: int) -> None:
    """The child's loop: (request, limits) in, ("ok", answer) or ("error", exception) out. Its
    address space is capped at `memory` bytes before anything is imported: an allocation beyond
    it fails (a MemoryError here, an abort in the native reader), and the parent says so."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from ledgers.reader import FileError, read_workbook
    from ledgers.workbook_csv import stream_workbook

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            request, bounds = pickle.load(source)
        except EOFError:
            return
        try:
            with using(bounds):
                if request[0] == "stream":
                    _, path, name, folder = request
                    done = stream_workbook(Path(path), name, Path(folder))
                else:
                    done = read_workbook(Path(request[1]))
                answer: tuple[str, object] = ("ok", done)
        except MemoryError:
            answer = ("error", FileError(stopped_message(memory_message(memory))))
        except Exception as error:  # noqa: BLE001 -- handed to the parent, which decides
            answer = ("error", error)
        try:
            pickle.dump(answer, sink, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            # Part of the answer may be out already: die, and the parent reads why from stderr.
            os.write(2, b"MemoryError while handing the sheets over\n")
            os._exit(1)
        sink.flush()


def stopped_message(how: str) -> str:
    """The file's message when the reader stopped on it (`how`: "took more than …")."""
    return (
        f"the spreadsheet reader stopped on this workbook: it {how}; open it in Excel, delete "
        "what lies beyond the data and save it again, or save it as CSV"
    )
