#!/usr/bin/env python
"""Walk-forward evaluation on real data: the shipped EURUSD 2017 hourly bars (or the quickstart synthetic market).

The bars before the test split (the first 80% of 2017 with the default fractions) are cut into `--folds + 1` chunks
after the feature warm-up. Fold k trains on chunks 0..k (anchored; `--mode rolling` keeps only the last chunk), with
its normalisers fitted on its own train part, chooses its checkpoint on the tail of that part (validation), and is
backtested on chunk k+1 (out of sample), after costs, against buy-and-hold. The test split is never read. All settings
are fixed up front; nothing is tuned on what this prints.

    python benchmarks/walk_forward.py --source eurusd --folds 3 --updates 30 --out /tmp/wf_eurusd

Writes OUT/walkforward.json (per-fold rows and the aggregate) and OUT/walkforward.html (plotly chart); prints a table.
"""
from __future__ import annotations
import argparse, json, os, platform, time
from pathlib import Path
import torch
from marl_nb.config import load_config, atomic_write
from marl_nb.selection import walk_forward

EURUSD = ['data.source=eurusd', 'data.tactical=1h', 'data.strategic=4h', 'data.train_frac=0.65', 'data.val_frac=0.15']

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--source', default='eurusd', choices=['eurusd', 'quickstart'], help='EURUSD 2017 1h, or the quickstart synthetic market')
    p.add_argument('--folds', type=int, default=3)
    p.add_argument('--mode', default='anchored', choices=['anchored', 'rolling'])
    p.add_argument('--updates', type=int, default=30, help='updates per fold')
    p.add_argument('--mc-samples', type=int, default=16, help='MC-dropout passes of the gate (CPU-friendly)')
    p.add_argument('--set', nargs='*', default=[], help='more config overrides, key=value')
    p.add_argument('--out', default='runs/walk_forward')
    a = p.parse_args()
    sets = (EURUSD if a.source == 'eurusd' else []) + [f'model.mc_samples={a.mc_samples}', 'trainer.validation_frequency=10',
                                                       'trainer.checkpoint_frequency=10', f'trainer.max_updates={a.updates}'] + a.set
    cfg = load_config('quickstart', sets)
    t0 = time.perf_counter()
    res = walk_forward(cfg, a.out, n_folds=a.folds, mode=a.mode, updates=a.updates)
    dt = time.perf_counter() - t0
    t = res['table']
    cols = ['sharpe', 'total_return', 'max_drawdown', 'bh_sharpe', 'bh_total_return', 'bh_max_drawdown', 'excess_return', 'val_sharpe', 'n_trials', 'days']
    print(f"walk-forward, {a.source}, {res['mode']}, {res['n_folds']} folds, {a.updates} updates per fold, costs {res['costs_bps']} bps "
          f"per unit traded; Sharpe on daily returns annualised with {res['periods_per_year']:.0f} days")
    for k, r in t.iterrows(): print(f"fold {k}: train {r['train'][0][:10]}..{r['train'][1][:10]}, validation ..{r['validation'][1][:10]}, "
                                    f"OOS {r['oos'][0][:10]}..{r['oos'][1][:10]} ({r['checkpoint']})")
    print(t[cols].to_string(float_format=lambda x: f'{x:+.3f}'))
    ag = res['aggregate']
    print('mean:', {k: round(v, 3) for k, v in ag['mean'].items()})
    print('std: ', {k: round(v, 3) for k, v in ag['std'].items()})
    print('stitched OOS:', {k: round(v, 3) if isinstance(v, float) else v for k, v in ag['stitched'].items()})
    print(f"folds beating buy-and-hold: {ag['folds_beating_bh']}/{ag['n_folds']}; {dt:.0f} s; load average {os.getloadavg()}")
    meta = dict(seconds=dt, loadavg=os.getloadavg(), torch=torch.__version__, threads=torch.get_num_threads(), python=platform.python_version(),
                command=f"python benchmarks/walk_forward.py --source {a.source} --folds {a.folds} --mode {a.mode} --updates {a.updates} --mc-samples {a.mc_samples}")
    atomic_write(Path(a.out)/'benchmark.json', json.dumps(meta, indent=1))
    print(f"wrote {a.out}/walkforward.json, walkforward.html")

if __name__ == '__main__': main()
