"""Per-call latency of a callable, for the latency benchmarks (imported by them; `python benchmarks/X.py` puts this folder on the path)."""
import time
import numpy as np

def latency_ms(f, # callable timed one call at a time
               n:int, # timed calls
               warmup:int=50, # untimed calls first
              )->dict:
    "p50, p99 and mean milliseconds of `n` calls of `f`, after `warmup` calls."
    for _ in range(warmup): f()
    ts = np.empty(n)
    for i in range(n):
        t = time.perf_counter(); f(); ts[i] = time.perf_counter() - t
    return dict(p50_ms=1e3*np.percentile(ts, 50), p99_ms=1e3*np.percentile(ts, 99), mean_ms=1e3*ts.mean())
