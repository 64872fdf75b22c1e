"""`make bench`: run every benchmark of the project and write bench/results.json."""

from __future__ import annotations

import sys

from bench import (
    abuse,
    clock_alerts,
    figures,
    full_sync,
    idle,
    outbox_drain,
    pd_clocks,
    pg_polls,
    poll_server,
    push,
    queue_paint,
    trends,
)

BENCHMARKS = {
    "poll_server": poll_server.run,
    "queue_paint": queue_paint.run,
    "full_sync": full_sync.run,
    "outbox_drain": outbox_drain.run,
    "abuse": abuse.run,
    "trends": trends.run,
    "pg_polls": pg_polls.run,
    "idle": idle.run,
    "push": push.run,
    "clock_alerts": clock_alerts.run,
    "pd_clocks": pd_clocks.run,
}


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default), print and save their figures."""
    chosen = argv or list(BENCHMARKS)
    results: list[figures.Figure] = []
    for name in chosen:
        print(f"running {name} ...", flush=True)
        results.extend(BENCHMARKS[name]())
    width = max(len(f.name) for f in results)
    for figure in results:
        ratio = f"  ({figure.ratio:.1f}x {figure.baseline})" if figure.ratio else ""
        print(f"{figure.name:<{width}}  {figure.value:>12,.1f} {figure.unit}{ratio}")
    # A partial run (names given) updates its own figures and keeps the others.
    path = figures.write(results, merge=bool(argv))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
