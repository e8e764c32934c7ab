"""Latency of one full decision at batch 1 on one CPU thread, eager: 8 agents + consensus + the K-pass MC-dropout gate + critic.

python benchmarks/decision_latency.py [--calls 2000] [--k 1000] [--json OUT]
Also times the strategic group alone and the tactical group alone (design targets: < 5 ms strategic, < 1 ms tactical)."""
import argparse, json, os, time
from pathlib import Path
import numpy as np, torch
from latency import latency_ms
from marl_nb.config import load_config
from marl_nb.system import MarlSystem
from marl_nb.critic import GATE_FEATURES

ap = argparse.ArgumentParser(); ap.add_argument('--calls', type=int, default=2000); ap.add_argument('--k', type=int, default=1000); ap.add_argument('--json')
a = ap.parse_args()
torch.set_num_threads(1)
cfg = load_config('colab_training_config', [f'model.mc_samples={a.k}'])
Fs, Ft = 13, 10
torch.manual_seed(0)
sysm = MarlSystem(cfg, Fs, Ft).eval()
obs = {'strategic': torch.randn(1, cfg.features.strategic_window, Fs), 'tactical': torch.randn(1, cfg.features.tactical_window, Ft),
       'portfolio': torch.zeros(1, 6), 'strategic_active': torch.ones(1, dtype=torch.bool)}
held, pos, prev = torch.ones(1, 4, dtype=torch.long), torch.zeros(1, dtype=torch.float64), torch.zeros(1, len(GATE_FEATURES))

def timeit(f, n): return latency_ms(f, n, warmup=50)

ctx = torch.zeros(1, 6 + sum(sysm.policy.s_sizes) + cfg.model.hidden)   # portfolio, strategic one-hots, strategic embedding
with torch.inference_mode():
    res = {'full_decision': timeit(lambda: sysm.decide(obs, held, pos, prev, deterministic=True, measure=True), a.calls),
           'strategic_group': timeit(lambda: sysm.policy.strategic(obs['strategic'], obs['portfolio']), a.calls),
           'tactical_group': timeit(lambda: sysm.policy.tactical(obs['tactical'], ctx), a.calls)}
res.update(k=a.k, calls=a.calls, threads=1, torch=torch.__version__, loadavg=os.getloadavg())
print(json.dumps({k: ({kk: round(vv, 4) for kk, vv in v.items()} if isinstance(v, dict) else v) for k, v in res.items()}, indent=1))
if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
