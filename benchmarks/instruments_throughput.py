#!/usr/bin/env python
"""Throughput with 1 and with 3 instruments at equal N: env-steps/s of the env, and agent-steps/s of training.

Three synthetic markets of the quickstart's kind (seeds 0, 1, 2; 50 days of 1-minute bars each) are prepared in a
temporary folder. The one-instrument case is the first market alone (`Market.env`, today's path); the three-instrument
case is `MultiMarket.env` over all three, with the same number N of parallel episodes. The env is stepped with uniform
random actions (best of 5 chunks, as `env_throughput.py`); training runs `Trainer.fit` with the quickstart settings
and reports the mean agent-steps/s of the timed updates (after 2 warm-up updates). Both cases run in the same process,
one after the other, so compare their ratio rather than the absolute figures; the machine's load is recorded.

    python benchmarks/instruments_throughput.py --n-envs 64 1024 4096 --json /tmp/instruments.json
"""
from __future__ import annotations
import argparse, json, os, platform, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch

sys.path.insert(0, str(Path(__file__).parent))
from env_throughput import timed_chunks
from marl_nb.config import load_config
from marl_nb.instruments import MultiMarket
from marl_nb.store import prepare_store
from marl_nb.system import Market
from marl_nb.trainer import Trainer

def markets(folder:Path, n_bars:int)->tuple:
    "(config, the first market, the three-instrument market)."
    cfg = load_config('quickstart', [f'data.synthetic.n_bars={n_bars}', 'device=cpu'])
    ms = {}
    for s in range(3):
        c = load_config('quickstart', [f'data.synthetic.n_bars={n_bars}', f'data.synthetic.seed={s}', 'device=cpu'])
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            ms[f'syn{s}'] = Market.from_store(prepare_store('synthetic', folder/f'syn{s}.h5', c), c)
    return cfg, ms['syn0'], MultiMarket(cfg, ms)

def env_rate(market, n:int, seconds:float)->dict:
    env = market.env('train', n_envs=n, seed=0)
    g = torch.Generator().manual_seed(0)
    sizes = env.sizes.double()
    def step():
        env.step((torch.rand(n, 8, generator=g, dtype=torch.float64)*sizes).long())
        return n
    return timed_chunks(step, seconds)

def train_rate(cfg, market, n:int, updates:int)->float:
    c = load_config('quickstart', [f'env.n_envs={n}', 'device=cpu'])
    c.data = cfg.data
    tr = Trainer(c, market).fit(2)
    t0, s0 = time.perf_counter(), tr.agent_steps
    tr.fit(2 + updates)
    return (tr.agent_steps - s0)/(time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n-envs', type=int, nargs='+', default=[64, 1024, 4096])
    ap.add_argument('--seconds', type=float, default=3.0, help='timed seconds per env measurement')
    ap.add_argument('--updates', type=int, default=4, help='timed training updates (quickstart settings, at each N)')
    ap.add_argument('--train-n', type=int, nargs='*', default=[64], help='N for the training measurement')
    ap.add_argument('--n-bars', type=int, default=72000)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--json', default=None)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    out = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__,
                            threads=torch.get_num_threads(), loadavg_start=os.getloadavg()), env={}, train={})
    with tempfile.TemporaryDirectory() as d:
        cfg, one, three = markets(Path(d), a.n_bars)
        for n in a.n_envs:
            r1, r3 = env_rate(one, n, a.seconds), env_rate(three, n, a.seconds)
            out['env'][n] = {'1': r1['best'], '3': r3['best'], 'ratio_3_to_1': r3['best']/r1['best']}
            print(f"env N={n:>6}: 1 instrument {r1['best']:>12,.0f} env-steps/s, 3 instruments {r3['best']:>12,.0f}"
                  f" ({r3['best']/r1['best']:.2f}x)", flush=True)
        for n in a.train_n:
            t1, t3 = train_rate(cfg, one, n, a.updates), train_rate(cfg, three, n, a.updates)
            out['train'][n] = {'1': t1, '3': t3, 'ratio_3_to_1': t3/t1}
            print(f"train N={n:>4}: 1 instrument {t1:>10,.0f} agent-steps/s, 3 instruments {t3:>10,.0f}"
                  f" ({t3/t1:.2f}x)", flush=True)
    out['machine']['loadavg_end'] = os.getloadavg()
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))

if __name__ == '__main__': main()
