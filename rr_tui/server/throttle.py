"""`FailureThrottle`: a token bucket of failed authentications per client address.

Each address may fail `burst` times at once; the bucket refills at
`burst / window` per second. While an address's bucket is empty it is told
how long to wait (429 with `Retry-After`) and its tokens are not even checked,
so guessing proceeds at the refill rate at most (30 a minute by default)
instead of thousands a second.

An operator hears of it once per address per window, whatever the log level
of the access log: a WARNING naming the address and how many attempts were
refused since the last line, never the token tried. The table of addresses is
bounded, so a client rotating addresses cannot grow it without limit.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_ADDRESSES = 4096
"""Addresses remembered at once; the oldest are forgotten first."""


@dataclass
class _Bucket:
    level: float
    at: float
    warned_at: float | None = None
    refused: int = 0
    failed: int = 0


class FailureThrottle:
    """Counts failed authentications per address; says when an address must wait."""

    def __init__(
        self,
        burst: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.burst = burst
        self.window = window
        self.rate = burst / window
        self._clock = clock
        self._max = max_addresses
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, address: str) -> int | None:
        """Whole seconds `address` must wait before it may try a token again, or None."""
        bucket = self._buckets.get(address)
        if bucket is None:
            return None
        now = self._refill(bucket)
        if bucket.level >= 1:
            return None
        bucket.refused += 1
        self._warn(address, bucket, now)
        return max(1, math.ceil((1 - bucket.level) / self.rate))

    def failed(self, address: str) -> None:
        """Record a failed authentication from `address`."""
        bucket = self._buckets.get(address)
        if bucket is None:
            self._forget_some()
            bucket = self._buckets[address] = _Bucket(float(self.burst), self._clock())
        now = self._refill(bucket)
        bucket.level -= 1
        bucket.failed += 1
        if bucket.level < 1:
            self._warn(address, bucket, now)

    def _refill(self, bucket: _Bucket) -> float:
        now = self._clock()
        bucket.level = min(self.burst, bucket.level + (now - bucket.at) * self.rate)
        bucket.at = now
        return now

    def _warn(self, address: str, bucket: _Bucket, now: float) -> None:
        """One line per address per window: the first refusal, then a count per window."""
        if bucket.warned_at is not None and now - bucket.warned_at < self.window:
            return
        log.warning(
            "%d failed authentications from %s: refusing its requests with 429 "
            "(%d refused since the last warning)",
            bucket.failed,
            address,
            bucket.refused,
        )
        bucket.warned_at = now
        bucket.refused = 0
        bucket.failed = 0

    def _forget_some(self) -> None:
        """Keep the table bounded: drop full buckets, then the oldest."""
        if len(self._buckets) < self._max:
            return
        for address, bucket in list(self._buckets.items()):
            self._refill(bucket)
            if bucket.level >= self.burst:
                del self._buckets[address]
        while len(self._buckets) >= self._max:
            del self._buckets[next(iter(self._buckets))]
