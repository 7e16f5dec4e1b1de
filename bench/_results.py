"""Shared by the benchmarks: the machine's description and bench/RESULTS.md sections.

Each benchmark owns one section of RESULTS.md, between ``<!-- BEGIN name -->``
and ``<!-- END name -->``, and rewrites only that section, atomically, so the
benchmarks can be run one at a time in any order.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = (
    "# Benchmark results\n\n"
    "Every figure here was produced by the command named in its section, on the machine\n"
    "and date it gives. Times on a shared machine are only meaningful as ratios to\n"
    "other times measured in the same run, which each section prints beside them.\n"
)


def machine() -> str:
    """One line naming the machine, the Python and the BLAS, for a results table."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            lib = info[0]
            blas = f", {lib['internal_api']} {lib['version']} ({lib['num_threads']} threads)"
    except ImportError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {sys.version.split()[0]}, "
        f"NumPy {np.__version__}{blas}"
    )


def code_version() -> str:
    """The commit the benchmark ran on, marked "+changes" if the tree had edits."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+changes" if git("status", "--porcelain", "--", "src", "bench") else "")


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_section(name: str, body: str) -> Path:
    """Replace (or append) section ``name`` of RESULTS.md with ``body``."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    tmp = RESULTS.with_suffix(".md.part")
    tmp.write_text(text)
    os.replace(tmp, RESULTS)
    return RESULTS
