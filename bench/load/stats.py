"""Percentiles and per-second series of the samples the workers return."""

from __future__ import annotations

from collections.abc import Sequence

PERCENTS = (50, 90, 99)


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))   # ceil(n p / 100), at least 1
    return ordered[int(rank) - 1]


def summary(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    result = {f"p{p}": percentile(ordered, p) for p in PERCENTS}
    result["max"] = ordered[-1] if ordered else float("nan")
    result["count"] = len(ordered)
    return result


def per_second(samples: Sequence[tuple[float, float]], duration: float
               ) -> tuple[list[int], list[int], list[float], list[float]]:
    """(second, count, p50, p99) of samples bucketed by their send second."""
    buckets: dict[int, list[float]] = {}
    for at, latency in samples:
        second = int(at)
        if 0 <= second < int(duration + 0.999):
            buckets.setdefault(second, []).append(latency)
    seconds = sorted(buckets)
    counts, p50, p99 = [], [], []
    for second in seconds:
        ordered = sorted(buckets[second])
        counts.append(len(ordered))
        p50.append(percentile(ordered, 50))
        p99.append(percentile(ordered, 99))
    return seconds, counts, p50, p99


def ms(seconds: float) -> str:
    return "   n/a" if seconds != seconds else f"{seconds * 1000:7.1f}"
