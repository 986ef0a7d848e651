"""Collects the rows of every benchmark and writes docs/benchmarks.md once, after the last one."""

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_PATH = REPO_ROOT / "docs" / "benchmarks.md"


class BenchResults:
    """Rows of (section, what, size, time, peak memory), in the order the benchmarks ran."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.machine = ""

    def add(self, section: str, what: str, size: str, time: str, memory: str = "") -> None:
        self.rows.append((section, what, size, time, memory))


def machine_description(connection) -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return f"{os.cpu_count()} CPUs ({cpu}){memory}, Python {platform.python_version()}, PostgreSQL {postgres}"


def _git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def _write(results: BenchResults) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (tests/bench/). Each figure is one wall-clock measurement on the",
        "machine below; run it again to see the spread between runs. Peak memory is the growth of the",
        "test process's peak resident set size during that step.",
        "",
        f"- Date: {dt.date.today().isoformat()}, commit {_git_commit()}",  # noqa: DTZ011 (date of the record)
        f"- Machine: {results.machine}",
        "- Command: `make bench`",
    ]
    section = None
    for row_section, what, size, time, memory in results.rows:
        if row_section != section:
            section = row_section
            lines += ["", f"## {section}", "", "| what | size | time | peak memory |", "| --- | --- | --- | --- |"]
        lines.append(f"| {what} | {size} | {time} | {memory or '–'} |")
    RESULTS_PATH.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def bench_results():
    results = BenchResults()
    yield results
    if results.rows:
        _write(results)
