"""Kill a write at every step it takes, in a child process, and report what a reader finds.

Run by ``tests/test_hostile_outputs.py`` as a separate process (it forks):

    python killpoints.py set OLD_DIR NEW_DIR WORK_DIR     # write_set, a build's pages
    python killpoints.py file OLD_FILE NEW_FILE WORK_DIR  # write_atomic, a report

For k = 1, 2, ... a forked child copies the old output into ``WORK_DIR/k``,
counts every file-system call :mod:`kzgeo.io.atomic` makes and sends itself
SIGKILL at the k-th -- the moment a power cut or ``kill -9`` could strike.
The parent then runs what the next kzgeo run would run first (``recover`` /
the temporary-file clean-up) and records, per page, whether it is the old
content, the new content or something else, and any file left over. It stops
at the first k the child survives. One JSON line per k goes to stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

from kzgeo.io import atomic

STEPS = {"open", "write", "fsync", "replace", "rename", "close", "chmod", "mkdir", "unlink", "rmdir"}


class KillAt:
    """``os`` as :mod:`kzgeo.io.atomic` sees it, but SIGKILL at the ``at``-th call of a step."""

    def __init__(self, real, at: int):
        self.real, self.at, self.count = real, at, 0

    def __getattr__(self, name):
        attr = getattr(self.real, name)
        if name not in STEPS:
            return attr

        def step(*args, **kwargs):
            self.count += 1
            if self.count == self.at:
                self.real.kill(self.real.getpid(), signal.SIGKILL)
            return attr(*args, **kwargs)

        return step


def state(found: bytes | None, old: bytes, new: bytes) -> str:
    return "missing" if found is None else "old" if found == old else "new" if found == new else "other"


def main(mode: str, old: Path, new: Path, work: Path) -> None:
    for k in range(1, 500):
        target = work / str(k)
        if mode == "set":
            shutil.copytree(old, target)
            pages = {p.name: p.read_bytes() for p in sorted(new.iterdir())}
        else:
            target.mkdir(parents=True)
            shutil.copy(old, target / old.name)
            payload = new.read_bytes()
        pid = os.fork()
        if pid == 0:
            atomic.os = KillAt(os, k)
            if mode == "set":
                atomic.write_set(target, pages)
            else:
                atomic.write_atomic(target / old.name, payload)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        if mode == "set":
            atomic.recover(target)
            names = sorted(pages)
            found = {n: state((target / n).read_bytes() if (target / n).exists() else None, (old / n).read_bytes(), pages[n]) for n in names}
        else:
            atomic.remove_stale_temporaries(target / old.name)
            names = [old.name]
            found = {old.name: state((target / old.name).read_bytes(), old.read_bytes(), payload)}
        leftover = sorted(p.name for p in target.iterdir() if p.name not in names)
        print(json.dumps({"k": k, "killed": killed, "pages": found, "leftover": leftover}), flush=True)
        if not killed:
            return


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
