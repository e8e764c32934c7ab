#!/usr/bin/env python
"""Learning table: does the trained 8-agent system beat the simple baselines, per market and seed?

Each (market, seed) trains the quickstart config with `train_run`, the product's own path: train, choose the checkpoint
on the validation split, then one final evaluation on the held-out test split against every baseline (`single_ppo`,
`ma_crossover`, `momentum`, `buy_and_hold`, `random`, `oracle`). One JSON line per run goes to `--out`; the table is
printed at the end, with `goal`: a higher Sharpe than every baseline but the oracle, and at least 70% of the oracle's.

Markets (synthetic, overrides of the quickstart's):
- quickstart: as shipped (the drift keeps its sign two days on average, 1-minute input bars);
- hours: the drift keeps its sign 4 hours on average;
- bars5: 5-minute input bars and a stronger volatility-regime switch.

Training is deterministic for a given machine and thread count, but the thread count changes the floating-point
order, and a run amplifies it: record `--threads` with the figures. Runs take minutes each on 2 CPU cores.

    python benchmarks/learning_table.py --markets quickstart hours bars5 --seeds 0 1 2 --threads 1 --out /tmp/table.jsonl

Compare variants of the method with `--split validation` (and `--set`): the table is then the validation split's,
the test split is not read, and each row also has the system's validation Sharpe at the last validation and the mean of
the last five (`val_last`, `val_mean5`) beside the best one (`marl`, the checkpoint chosen on that same split, so
biased upwards). Read the test split only for the method finally chosen.
"""
from __future__ import annotations
import argparse, json, os, warnings
from pathlib import Path

MARKETS = {'quickstart': [],
           'hours': ['data.synthetic.signal_mean_bars=240'],
           'bars5': ['data.synthetic.freq=5min', 'data.synthetic.n_bars=28800', 'data.synthetic.signal_mean_bars=576',
                     'data.synthetic.regime_vol=[0.4,1.0,2.5]']}
BASELINES = ['single_ppo', 'ma_crossover', 'momentum', 'buy_and_hold', 'buy_and_hold_limited', 'random']

def row(market:str, seed:int, res:dict, run)->dict:
    "One line of the table from `train_run`'s result and the run's validation history."
    from marl_nb.report import validation_history
    t, v = res['table'], validation_history(run)
    r = {k: round(float(t.loc[k, 'sharpe']), 1) for k in ['marl', *BASELINES, 'oracle']}
    r['marl/oracle'] = round(r['marl']/r['oracle'], 2)
    r['goal'] = all(r['marl'] > r[k] for k in BASELINES) and r['marl/oracle'] >= 0.7
    return dict(market=market, seed=seed, train_s=round(res['train_seconds']), **r,
                val_last=round(v[-1], 1), val_mean5=round(sum(v[-5:])/len(v[-5:]), 1))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--markets', nargs='+', default=['quickstart'], choices=list(MARKETS))
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--set', nargs='*', default=[], help='further config overrides, key=value')
    ap.add_argument('--split', default='test', choices=['test', 'validation'],
                    help='the split of the table (validation: to compare variants; the test split is not read)')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch decides)')
    ap.add_argument('--runs', default='runs/learning_table', help='where the run folders go (one per market and seed)')
    ap.add_argument('--out', default=None, help='append one JSON line per run here')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    import torch, pandas as pd
    from marl_nb.config import load_config
    from marl_nb.cli import train_run
    if a.threads: torch.set_num_threads(a.threads)
    rows = []
    for market in a.markets:
        for seed in a.seeds:
            run = Path(a.runs)/f'{market}_{seed}'
            if run.exists(): raise SystemExit(f"{run}: exists; pick another --runs folder (nothing is overwritten)")
            cfg = load_config('quickstart', [f'seed={seed}', *MARKETS[market], *a.set])
            res = train_run(cfg, run, progress=False, final_split=a.split)
            if 'table' not in res: raise SystemExit(f"{run}: training stopped early ({res.get('stopped')})")
            rows.append(row(market, seed, res, run)
                        | dict(split=a.split, threads=torch.get_num_threads(), loadavg=os.getloadavg()[0]))
            print(json.dumps(rows[-1]), flush=True)
            if a.out:
                with open(a.out, 'a') as f: f.write(json.dumps(rows[-1]) + '\n')
    print(pd.DataFrame(rows).set_index(['market', 'seed']).to_string())

if __name__ == '__main__': main()
