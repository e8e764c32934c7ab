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

    python benchmarks/learning_table.py --markets quickstart hours bars5 --seeds 0 1 2 --threads 1 --out table.jsonl

With `--members K` a row is an ensemble of K systems (seeds seed*K to seed*K + K - 1, each trained and chosen as
above) combined as a split (`marl_nb.selection.split_ensemble`): each member trades an equal share of the capital.
`single_ppo` is then the same split of the members' own single-agent baselines, so both get K runs' budget. Each
member's own row is printed (and written to `--out`) first, with `member` set.

    python benchmarks/learning_table.py --markets quickstart hours bars5 --seeds 0 1 2 --members 3 --threads 1

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

def scored(sharpes:dict)->dict:
    "Sharpes rounded, with `marl/oracle` and `goal`: above every baseline but the oracle, and 70% of the oracle's."
    r = {k: round(float(v), 1) for k, v in sharpes.items()}
    r['marl/oracle'] = round(r['marl']/r['oracle'], 2)
    return r | {'goal': all(r['marl'] > r[k] for k in BASELINES) and r['marl/oracle'] >= 0.7}

def row(market:str, seed:int, res:dict, run)->dict:
    "One line of the table from `train_run`'s result and the run's validation history."
    from marl_nb.report import validation_history
    t, v = res['table'], validation_history(run)
    r = scored({k: t.loc[k, 'sharpe'] for k in ['marl', *BASELINES, 'oracle']})
    return dict(market=market, seed=seed, train_s=round(res['train_seconds']), **r,
                val_last=round(v[-1], 1), val_mean5=round(sum(v[-5:])/len(v[-5:]), 1))

def ensemble_row(market:str, seed:int, ress:list, split:str)->dict:
    "One line for the split ensemble of `train_run` results: the members' systems, and their `single_ppo`s likewise."
    from marl_nb.evaluate import run_backtests, backtest_metrics
    from marl_nb.selection import split_ensemble
    from marl_nb.single_ppo import single_ppo_for_run, single_policy
    trs = [r['trainer'] for r in ress]
    mk, c = trs[0].market, trs[0].cfg
    singles = [single_policy(single_ppo_for_run(t.run_dir, t.market, t.cfg, t.device, t.update)) for t in trs]
    pols = {'marl': split_ensemble([t.system for t in trs]), 'single_ppo': split_ensemble(singles)}
    bts = run_backtests(mk, pols, split, seed=c.seed)   # the same seed as member 0's table, whose rules are reused
    t = ress[0]['table']
    r = scored({k: backtest_metrics(bts[k], c.data.days_per_year)['sharpe'] if k in pols else t.loc[k, 'sharpe']
                for k in ['marl', *BASELINES, 'oracle']})
    own = [round(float(x['table'].loc['marl', 'sharpe']), 1) for x in ress]
    return dict(market=market, seed=seed, members=len(ress), train_s=round(sum(x['train_seconds'] for x in ress)), **r,
                member_marl=own, member_mean=round(sum(own)/len(own), 1))

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
    ap.add_argument('--members', type=int, default=1,
                    help='systems per row, combined as a split ensemble (seeds seed*K to seed*K + K - 1)')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    import torch, pandas as pd
    from marl_nb.config import load_config
    from marl_nb.cli import train_run
    if a.threads: torch.set_num_threads(a.threads)
    if a.members < 1: raise SystemExit(f"--members: at least 1, got {a.members}")
    rows, K = [], a.members
    def emit(r):
        r |= dict(split=a.split, threads=torch.get_num_threads(), loadavg=os.getloadavg()[0])
        print(json.dumps(r), flush=True)
        if a.out:
            with open(a.out, 'a') as f: f.write(json.dumps(r) + '\n')
        return r
    for market in a.markets:
        for seed in a.seeds:
            run = Path(a.runs)/f'{market}_{seed}'
            if run.exists(): raise SystemExit(f"{run}: exists; pick another --runs folder (nothing is overwritten)")
            ress = []
            for i in range(K):
                s, sub = (seed, run) if K == 1 else (seed*K + i, run/f'member{i}')
                cfg = load_config('quickstart', [f'seed={s}', *MARKETS[market], *a.set])
                res = train_run(cfg, sub, progress=False, final_split=a.split)
                if 'table' not in res: raise SystemExit(f"{sub}: training stopped early ({res.get('stopped')})")
                ress.append(res)
                r = emit(row(market, s, res, sub) | (dict(member=i, of_seed=seed) if K > 1 else {}))
            rows.append(r if K == 1 else emit(ensemble_row(market, seed, ress, a.split)))
    print(pd.DataFrame(rows).set_index(['market', 'seed']).to_string())

if __name__ == '__main__': main()
