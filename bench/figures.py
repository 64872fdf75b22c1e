"""What a benchmark reports: named figures, each with its unit and the baseline it beats."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Figure:
    """One measured number. `baseline` names the figure it is compared with, if any."""

    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """value / baseline_value, when there is a baseline."""
        if self.baseline_value in (None, 0):
            return None
        assert self.baseline_value is not None
        return self.value / self.baseline_value


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def write(figures: list[Figure], *, merge: bool = False) -> Path:
    """Write figures, with the machine and time, to bench/results.json.

    With `merge`, figures of benchmarks not run this time are kept from the file.
    """
    entries = []
    for figure in figures:
        entry = asdict(figure)
        entry["ratio"] = figure.ratio
        entries.append(entry)
    if merge and RESULTS.exists():
        fresh = {entry["name"] for entry in entries}
        kept = json.loads(RESULTS.read_text()).get("figures", [])
        entries = [entry for entry in kept if entry["name"] not in fresh] + entries
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": entries,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    return RESULTS
