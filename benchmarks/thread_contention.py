#!/usr/bin/env python
"""Training speed when two processes share the CPU: torch threads per process against the cores.

Why: `nbdev_test` runs two notebooks at once, and a Colab user may run a notebook next to an HPO worker. Each torch
process starts one thread per core; two such processes on a 2-core machine ask for four threads, and torch's OpenMP
threads spin-wait for each other. This script times quickstart updates (`Trainer.fit`, validation pushed out) in four
settings, all in one run so the ratios compare like with like:
  alone with N threads; alone with 1 thread; two processes side by side with N threads each; and with 1 thread each.
N defaults to the number of cores. The store is prepared once into a temp folder.

    python benchmarks/thread_contention.py --updates 8 --json /tmp/threads.json
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path

CHILD = r'''
import sys, time, warnings, torch
warnings.simplefilter('ignore')
from marl_nb.config import load_config
from marl_nb.system import Market
from marl_nb.trainer import Trainer
torch.set_num_threads(int(sys.argv[2]))
cfg = load_config('quickstart', ['trainer.validation_frequency=100000', 'device=cpu'])
tr = Trainer(cfg, Market.from_store(sys.argv[1], cfg))
tr.validate = lambda: {}
tr.fit(1)                                            # warm-up update
t = time.perf_counter(); tr.fit(1 + int(sys.argv[3]))
print((time.perf_counter() - t)/int(sys.argv[3]))
'''

def run(store:Path, threads:int, updates:int, n:int)->list:
    "Seconds per update of `n` processes started together, each with `threads` torch threads."
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    procs = [subprocess.Popen([sys.executable, '-c', CHILD, str(store), str(threads), str(updates)], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return [float(p.communicate()[0].strip().splitlines()[-1]) for p in procs]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--updates', type=int, default=8, help='timed updates per process (after one warm-up update)')
    ap.add_argument('--threads', type=int, default=os.cpu_count(), help='the many-thread setting (default: cores)')
    ap.add_argument('--json', help='write the results here')
    a = ap.parse_args()
    from marl_nb.config import load_config
    from marl_nb.store import prepare_store
    with tempfile.TemporaryDirectory() as d:
        store = Path(d)/'data.h5'
        with warnings.catch_warnings():
            warnings.simplefilter('ignore'); prepare_store('synthetic', store, load_config('quickstart'))
        load0 = os.getloadavg()[0]
        rows = {f'alone, {a.threads} threads': run(store, a.threads, a.updates, 1),
                'alone, 1 thread': run(store, 1, a.updates, 1),
                f'two side by side, {a.threads} threads each': run(store, a.threads, a.updates, 2),
                'two side by side, 1 thread each': run(store, 1, a.updates, 2)}
    out = dict(cores=os.cpu_count(), updates=a.updates, loadavg_before=load0, loadavg_after=os.getloadavg()[0],
               seconds_per_update={k: [round(x, 3) for x in v] for k, v in rows.items()})
    for k, v in rows.items(): print(f"{k:40s} {' '.join(f'{x:6.2f}' for x in v)} s/update")
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))

if __name__ == '__main__': main()
