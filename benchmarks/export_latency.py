"""Latency of the exported decision program (8 agents + consensus + critic + K-pass MC-dropout gate) at batch 1 on one
CPU thread, float and int8, plus the per-group programs, the bundle size and the parity report.

python benchmarks/export_latency.py [--run-dir RUN] [--checkpoint best] [--calls 5000] [--k 1000] [--compile]
                                    [--json OUT]
With --run-dir the run's checkpoint is exported (its gate run with K passes) and the parity report covers its test split;
without it, an untrained system of the Colab config on a small synthetic market. With --compile the bundle also holds
the AOTInductor-compiled decision programs: they are timed too, and the cold load (a fresh interpreter: import torch,
load the bundle, first decision) is measured for both. `full_decision` is what `PolicyBundle.decide` runs by default
(the compiled program where there is one), input checks included. Target: its p99 under 0.5 ms."""
import argparse, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from latency import latency_ms
from marl_nb.config import load_config
from marl_nb.store import prepare_store
from marl_nb.system import Market, MarlSystem
from marl_nb.report import load_run, load_system
from marl_nb.export import export_bundle, PolicyBundle

ap = argparse.ArgumentParser()
ap.add_argument('--run-dir'); ap.add_argument('--checkpoint', default='best'); ap.add_argument('--calls', type=int, default=5000)
ap.add_argument('--k', type=int, default=1000); ap.add_argument('--json')
ap.add_argument('--compile', action='store_true')
a = ap.parse_args()
warnings.simplefilter('ignore')
tmp = Path(tempfile.mkdtemp())
if a.run_dir:
    cfg, market = load_run(a.run_dir)
    cfg.model.mc_samples = a.k                       # the gate's K is not a weight: run the trained gate with K passes
    name = a.checkpoint if a.checkpoint.endswith('.pt') else a.checkpoint + '.pt'
    system = load_system(cfg, market, Path(a.run_dir)/'checkpoints'/name)
else:
    cfg = load_config('colab_training_config', [f'model.mc_samples={a.k}', 'data.synthetic.n_bars=60000', 'data.tactical=5min'])
    market = Market.from_store(prepare_store('synthetic', tmp/'m.h5', cfg), cfg)
    torch.manual_seed(0)
    system, name = MarlSystem(cfg, *market.n_features).eval(), 'untrained'
t0 = time.perf_counter()
man = export_bundle(system, market, tmp/'bundle', 'int8', name, compile=a.compile)
export_s = time.perf_counter() - t0
torch.set_num_threads(1)

def timeit(f, n): return latency_ms(f, n, warmup=200)

res = {}
for v in ('float', 'int8'):
    b = PolicyBundle(tmp/'bundle', v, compiled=False)
    xs = b.zeros(1)
    xs['strategic'].normal_(generator=torch.Generator().manual_seed(0)); xs['tactical'].normal_(generator=torch.Generator().manual_seed(1))
    xs['strategic_active'][:] = True; xs['held'][:] = 1
    args = tuple(xs.values())
    dec, st, ta = b.programs['decision'], b.programs['strategic'], b.programs['tactical']
    logits, emb = st(xs['strategic'], xs['portfolio'])
    s_act = logits.argmax(-1)
    with torch.inference_mode():
        res[v] = {'decision_program': timeit(lambda: dec(*args), a.calls),
                  'decision_with_checks': timeit(lambda: b.decide(**xs), a.calls),
                  'strategic_group': timeit(lambda: st(xs['strategic'], xs['portfolio']), a.calls),
                  'tactical_group': timeit(lambda: ta(xs['tactical'], xs['portfolio'], s_act, emb), a.calls)}
    if a.compile:
        bc = PolicyBundle(tmp/'bundle', v)
        assert bc.compiled
        with torch.inference_mode():
            res[v]['compiled_program'] = timeit(lambda: bc.programs['decision'](*args), a.calls)
            res[v]['compiled_with_checks'] = timeit(lambda: bc.decide(**xs), a.calls)
    res[v]['files_MB'] = sum((tmp/'bundle'/f).stat().st_size for f in man['variants'][v].values())/1e6
def cold(compiled):
    "Seconds in a fresh interpreter: import torch, load the float variant, first decision (and the next one)."
    code = (f"import sys, time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); "
            f"sys.path.insert(0, {str(tmp/'bundle')!r}); from load_bundle import PolicyBundle; "
            f"b = PolicyBundle({str(tmp/'bundle')!r}, 'float', compiled={compiled}); t2 = time.perf_counter(); "
            f"xs = b.zeros(1); b.decide(**xs); t3 = time.perf_counter(); b.decide(**xs); t4 = time.perf_counter(); "
            f"print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                       env=os.environ | {'OMP_NUM_THREADS': '1'})
    keys = ('import_torch_s', 'load_bundle_s', 'first_decision_s', 'second_decision_s')
    return dict(zip(keys, map(float, r.stdout.split())))
res['cold_load'] = {'portable': cold(False)} | ({'compiled': cold(True)} if a.compile else {})
res['full_decision'] = res['float']['compiled_with_checks' if a.compile else 'decision_with_checks']
parity = json.loads((tmp/'bundle'/'parity.json').read_text())
res.update(k=a.k, calls=a.calls, threads=1, checkpoint=name, run_dir=a.run_dir, export_seconds=export_s,
           bundle_MB=sum((tmp/'bundle'/f).stat().st_size for f in man['files'])/1e6,
           parity={k: parity[k] for k in parity if k != 'float_vs_eager_max_abs'},
           torch=torch.__version__, cpu=os.cpu_count(), loadavg=os.getloadavg())
rnd = lambda v: {kk: rnd(vv) for kk, vv in v.items()} if isinstance(v, dict) else (round(v, 4) if isinstance(v, float) else v)
print(json.dumps(rnd(res), indent=1))
if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
