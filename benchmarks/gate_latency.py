#!/usr/bin/env python
"""Execution-gate latency: one decision (batch 1) with K MC-dropout passes in one batched call, eager, one CPU thread.

Times `ExecutionGate.forward` (the K passes and the 15 features) on a random 115-D input (112-D base state + 3 decision
features), sized by the default `ModelConfig` (hidden, dropout, mc_samples = 1000), after a warm-up. Each call is timed
on its own with `time.perf_counter`; p50, p99, mean and max are reported in milliseconds, next to the latency budget.

    python benchmarks/gate_latency.py [--calls 2000] [--k 1000] [--threads 1] [--json OUT]
"""
from __future__ import annotations
import argparse, json, platform, time
from pathlib import Path
import numpy as np, torch

from marl_nb.config import ModelConfig
from marl_nb.critic import ExecutionGate

def time_gate(calls:int=2000, k:int=None, threads:int=1, warmup:int=50, seed:int=0, measure:bool=False)->dict:
    "Per-call latency of a batch-1 gate decision with `k` passes over `calls` calls."
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    mc = ModelConfig()
    gate = ExecutionGate.from_config(mc, d_in=112 + 3).eval()
    k = k or mc.mc_samples
    x = torch.randn(1, gate.d_in)
    for _ in range(warmup): gate(x, k=k, measure=measure)
    ms = np.empty(calls)
    for i in range(calls):
        t0 = time.perf_counter(); gate(x, k=k, measure=measure); ms[i] = 1e3 * (time.perf_counter() - t0)
    return dict(calls=calls, k=k, batch=1, threads=threads, hidden=mc.hidden, dropout=mc.dropout, d_in=gate.d_in,
                p50_ms=float(np.percentile(ms, 50)), p99_ms=float(np.percentile(ms, 99)), mean_ms=float(ms.mean()),
                max_ms=float(ms.max()), budget_ms=mc.gate_latency_budget_ms,
                torch=torch.__version__, python=platform.python_version(), machine=platform.processor() or platform.machine())

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--calls', type=int, default=2000, help='timed calls')
    p.add_argument('--k', type=int, default=None, help='MC passes per call (default: ModelConfig.mc_samples)')
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    p.add_argument('--json', help='write the results to this JSON file')
    a = p.parse_args()
    res = time_gate(a.calls, a.k, a.threads)
    print(f"gate K={res['k']} batch=1 threads={res['threads']} hidden={res['hidden']}: p50 {res['p50_ms']:.3f} ms, "
          f"p99 {res['p99_ms']:.3f} ms, mean {res['mean_ms']:.3f} ms, max {res['max_ms']:.3f} ms "
          f"(budget {res['budget_ms']} ms) over {res['calls']} calls")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=2))

if __name__ == '__main__': main()
