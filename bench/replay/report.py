"""Prints the table of bench/replay/replay.sh from its results folder."""
import csv, json, statistics, sys
from pathlib import Path

out, reps = Path(sys.argv[1]), int(sys.argv[2])

def estimate(root, *parts):
    data = json.loads(root.joinpath(*parts, "new", "estimates.json").read_text())
    median = data["median"]
    interval = median["confidence_interval"]
    return median["point_estimate"], interval["lower_bound"], interval["upper_bound"]

def ops(ns):
    return 1e9 / ns

memory = dict(line.split("\t") for line in (out / "memory.tsv").read_text().splitlines())
print(f"In-memory store, {int(memory['ids']):,} ids of 36 bytes: "
      f"{memory['allocated_bytes_per_id']} B/id allocated, {memory['resident_bytes_per_id']} B/id resident")
print()
print("| in-memory store | median time per op | 95% CI of the median | throughput |")
print("| --- | --- | --- | --- |")
for name, label in [("insert_fresh/1", "fresh id, 1 thread"), ("baseline_fresh/1", "fresh id, 1 thread: the store before its hot path was reworked"),
                    ("floor_fresh/1", "fresh id, 1 thread: the floor (sharded hash insert + the id's allocation)"),
                    ("insert_fresh/2", "fresh id, 2 threads (per op, aggregate)"),
                    ("insert_present/1", "id already consumed, 1 thread")]:
    median, low, high = estimate(out / "criterion-memory" / "memory", name.replace("/", "_"))
    print(f"| {label} | {median:.0f} ns | {low:.0f}-{high:.0f} ns | {ops(median)/1e6:.2f} M ops/s |")
print()

def redis_benchmark(rep, callers):
    with open(out / f"redis-benchmark-{rep}-{callers}.csv") as f:
        rows = list(csv.DictReader(f))
    return float(rows[0]["rps"])

print("| callers | redis-benchmark SET NX (ops/s) | RedisStore, threads (ops/s) | AsyncRedisStore, tasks (ops/s) | sync / redis-benchmark | async / redis-benchmark |")
print("| --- | --- | --- | --- | --- | --- |")
for callers in (1, 8, 64):
    rb = [redis_benchmark(rep, callers) for rep in range(1, reps + 1)]
    row = [f"{callers}", f"{statistics.median(rb):,.0f} ({min(rb):,.0f}-{max(rb):,.0f})"]
    ratios = []
    for bench in ("sync_threads", "async_tasks"):
        medians, lows, highs = zip(*(estimate(out / f"criterion-redis-{rep}" / "redis", bench, str(callers))
                                     for rep in range(1, reps + 1)))
        median = statistics.median(medians)
        row.append(f"{ops(median):,.0f} ({ops(max(highs)):,.0f}-{ops(min(lows)):,.0f})")
        ratios.append(f"{ops(median) / statistics.median(rb):.0%}")
    print("| " + " | ".join(row + ratios) + " |")
