#!/usr/bin/env python
"""`MarketEnv` on an accelerator against the CPU: the same bits, step for step.

The tests run on the CPU only, where the env takes its fused step. This script runs the accelerator path (the tensor
step on `--device`) beside a CPU env on the same random actions, with vetoes (and confidences for the consensus rule), risk limits tight enough
that every limit is hit, and a small tactical ring so that it wraps often. The CPU env takes the start rows that the
device env draws (the two devices' generators draw different streams), and then every observation, reward, done flag,
`info` entry and state tensor must be the same bits (floats compared as integers). Runs the default rule and the
consensus rule used in training. Exit status 1 on any difference; the JSON says where.

    python benchmarks/env_device_check.py --device cuda --json /tmp/env_device_check.json
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path
import torch

from marl_nb.config import EnvConfig
from marl_nb.env import MarketEnv, ENV_STATE, toy_market, aggregate
from marl_nb.agents import consensus_aggregate

def bits(x:torch.Tensor)->torch.Tensor:
    "`x` on the CPU with floats viewed as integers of the same width."
    x = x.detach().cpu().contiguous()
    return x.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]) if x.is_floating_point() else x

def compare(device:str, n_envs:int, n_steps:int, seed:int, aggregator, gated:bool, **cfg_kw)->dict:
    "Step a `device` env and a CPU env side by side; counts of limit hits and of the differing values per output."
    m = toy_market(3000, vol=2e-3, seed=seed)
    kw = dict(cfg=EnvConfig(**cfg_kw), n_envs=n_envs, seed=seed, obs_ring=119, aggregator=aggregator)
    dev_env = MarketEnv.from_arrays(**m, device=device, fused=False, **kw)   # the tensor step (on the CPU too, as a self-check)
    cpu_env = MarketEnv.from_arrays(**m, device='cpu', **kw)
    drawn, draw = {}, dev_env._starts
    def record():
        s = draw(); drawn['starts'] = s.cpu(); return s
    dev_env._starts, cpu_env._starts = record, lambda: drawn['starts']   # the CPU env starts where the device env drew
    outs = [e.reset() for e in (dev_env, cpu_env)]
    g = torch.Generator().manual_seed(seed)
    diffs, counts = {}, dict(terminated=0, truncated=0, halted=0, wraps=0)
    def check(name, x, y):
        same = x.shape == y.shape and x.dtype == y.dtype and torch.equal(bits(x), bits(y))
        if not same:
            d = diffs.setdefault(name, dict(steps=0, first_step=step, max_abs=0.0))
            d['steps'] += 1
            if x.shape == y.shape: d['max_abs'] = max(d['max_abs'], float((x.detach().cpu().double() - y.double()).abs().max()))
    step = -1
    for k in outs[0]: check(f'obs.{k}', outs[0][k], outs[1][k])
    for step in range(n_steps):
        a = torch.stack([torch.randint(0, int(n), (n_envs,), generator=g) for n in cpu_env.sizes], 1)
        skw = dict(confidence=torch.rand(n_envs, 8, generator=g), approve=torch.rand(n_envs, generator=g) < 0.7) if gated else {}
        if aggregator is aggregate: skw.pop('confidence', None)   # the default rule takes no confidences
        g0 = cpu_env._g
        (o1, r1, d1, i1) = dev_env.step(a.to(device), **{k: v.to(device) for k, v in skw.items()})
        (o2, r2, d2, i2) = cpu_env.step(a, **skw)
        check('rewards', r1, r2); check('done', d1, d2)
        for k in o2: check(f'obs.{k}', o1[k], o2[k])
        for k in i2:
            if isinstance(i2[k], torch.Tensor): check(f'info.{k}', i1[k], i2[k])
        for k in ENV_STATE: check(f'state.{k}', getattr(dev_env, k), getattr(cpu_env, k))
        for k in ('terminated', 'truncated', 'halted'): counts[k] += int(i2[k].sum())
        counts['wraps'] += cpu_env._g < g0
    return dict(device=str(dev_env.device), cpu_fused=cpu_env.fused, aggregator=aggregator.__name__, gated=gated,
                n_envs=n_envs, steps=n_steps, limit_hits=counts, differences=diffs, same_bits=not diffs)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', help='torch device to check against the CPU')
    p.add_argument('--n-envs', type=int, default=256)
    p.add_argument('--steps', type=int, default=600)
    p.add_argument('--json', help='write the results to this JSON file')
    a = p.parse_args(argv)
    tight = dict(commission_bps=2, slippage_bps=3, episode_bars=60, max_drawdown=0.004, daily_loss_limit=0.003, drawdown_penalty=2.0)
    runs = [compare(a.device, a.n_envs, a.steps, 0, aggregate, False, **tight),
            compare(a.device, a.n_envs, a.steps, 1, aggregate, True, **tight),
            compare(a.device, a.n_envs, a.steps, 2, consensus_aggregate, True, **tight)]
    for r in runs: print(f"{r['device']} vs cpu ({r['aggregator']}, gated={r['gated']}): "
                         f"{'same bits' if r['same_bits'] else 'DIFFERENT: ' + json.dumps(r['differences'])}; {r['limit_hits']}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(dict(runs=runs, torch=torch.__version__), indent=2))
    return all(r['same_bits'] for r in runs)

if __name__ == '__main__': sys.exit(0 if main() else 1)
