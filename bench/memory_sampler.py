"""Resident memory of a server's process tree, read from /proc: the processes listening
on a port, their descendants, and a background sampler of the peak."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence


def listening_pids(port: int) -> list[int]:
    """Processes with a listening TCP socket on `port` (needs permission to read their fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            pids.append(int(proc.name))
    return sorted(pids)


def process_tree(roots: Sequence[int]) -> list[int]:
    """`roots` and all their descendants."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(proc.name))
    tree, pending = [], list(roots)
    while pending:
        pid = pending.pop()
        if pid not in tree:
            tree.append(pid)
            pending += children.get(pid, [])
    return tree


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples the resident memory of a process tree in a background thread."""

    def __init__(self, roots: Sequence[int], interval: float = 0.25) -> None:
        self.roots, self.interval = list(roots), interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(status_kb(p, "VmRSS") for p in process_tree(self.roots)))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        if self.roots:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def report(self) -> dict[str, Any]:
        tree = process_tree(self.roots)
        return {"pids": tree, "rss_peak_mb": round(self.peak_kb / 1024, 1),
                "rss_hwm_mb": round(sum(status_kb(p, "VmHWM") for p in tree) / 1024, 1)}
