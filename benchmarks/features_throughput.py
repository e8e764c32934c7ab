"""Throughput of per-bar features and window assembly.

    python benchmarks/features_throughput.py [--n-bars 1000000] [--batch 4096] [--device cpu] [--threads 2] [--json OUT]

Features: `tactical_features` and `strategic_features` on `--n-bars` random bars (best of `--repeat` runs), in bars/s.
Windows: `TacticalAssembler.windows` / `StrategicAssembler.windows` for a batch of `--batch` random time indices on
`--device`, in windows/s (median of many batches, after warm-up). Goal: features for 1M bars in under 5 s on 2 cores.
"""
import argparse, json, platform, statistics, time
import numpy as np, torch
from marl_nb.config import FeatureConfig
from marl_nb.features import random_bars, tactical_features, strategic_features
from marl_nb.assemblers import Normalizer, TacticalAssembler, StrategicAssembler

def best_time(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return min(ts)

def window_rate(asm, batch, iters, device):
    sync = torch.cuda.synchronize if torch.device(device).type == 'cuda' else (lambda: None)
    g = torch.Generator(device='cpu').manual_seed(0)
    idx = torch.randint(asm.warmup, asm.n, (iters, batch), generator=g).to(device)
    for i in range(min(10, iters)): asm.windows(idx[i])
    sync(); times = []
    for i in range(iters):
        t0 = time.perf_counter(); w = asm.windows(idx[i]); sync(); times.append(time.perf_counter() - t0)
    return batch/statistics.median(times), tuple(w.shape)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-bars', type=int, default=1_000_000)
    p.add_argument('--batch', type=int, default=4096)
    p.add_argument('--iters', type=int, default=200, help='window batches timed')
    p.add_argument('--repeat', type=int, default=3, help='feature runs (best is reported)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    p.add_argument('--json', default=None, help='write results to this JSON file')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    fc = FeatureConfig()
    ts, x = random_bars(a.n_bars, seed=0, tick=0.25, price=1650)
    res = dict(n_bars=a.n_bars, batch=a.batch, device=a.device, threads=a.threads, machine=platform.processor() or platform.machine(),
               torch=torch.__version__, numpy=np.__version__)
    t_tac = best_time(lambda: tactical_features(ts, x, fc), a.repeat)
    t_str = best_time(lambda: strategic_features(ts, x, fc), a.repeat)
    res.update(tactical_features_s=t_tac, tactical_bars_per_s=a.n_bars/t_tac, strategic_features_s=t_str, strategic_bars_per_s=a.n_bars/t_str)
    print(f"tactical_features:  {a.n_bars:,} bars in {t_tac:.3f} s = {a.n_bars/t_tac:,.0f} bars/s")
    print(f"strategic_features: {a.n_bars:,} bars in {t_str:.3f} s = {a.n_bars/t_str:,.0f} bars/s")
    Ft, _ = tactical_features(ts, x, fc)
    Fs, _ = strategic_features(ts[::6].copy(), x[::6].copy(), fc)  # a strategic-length series (1/6 of the bars)
    n_tr = int(0.7*len(Ft))
    for name, cls, F, win in (('tactical', TacticalAssembler, Ft, fc.tactical_window), ('strategic', StrategicAssembler, Fs, fc.strategic_window)):
        asm = cls(F, win, Normalizer.fit(F[:int(0.7*len(F))], fc.clip), device=a.device)
        rate, shape = window_rate(asm, a.batch, a.iters, a.device)
        res[f'{name}_windows_per_s'] = rate
        print(f"{name} windows {shape}: {rate:,.0f} windows/s on {a.device} (batch {a.batch})")
    if a.json:
        with open(a.json, 'w') as f: json.dump(res, f, indent=1)

if __name__ == '__main__': main()
