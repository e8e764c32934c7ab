#!/usr/bin/env python
"""Checkpoint cost: how long a full training-state save (`CheckpointManager.save` of `Trainer.state_dict()`: serialise,
sha256, atomic writes of checkpoint_u*.pt and last.pt with sidecars) and a resume load (`load_latest`: read, verify,
`torch.load(weights_only=True)`, then `Trainer.load_state_dict`) take, and what share of training time they cost at the
config's `checkpoint_frequency`: share = save_s / (checkpoint_frequency * update_s + save_s).

`--config default` is the built-in `Config()` (synthetic data, default sizes); any shipped config name or YAML path works.
update_s is the mean wall time (rollout + learn, as the trainer times them) of `--updates` updates after one warm-up
update; `--updates 0` skips it (save/load only). CPU unless the
config's device says otherwise. The machine may be shared: `loadavg` is recorded.

    python benchmarks/checkpoint_cost.py --config default --json /tmp/ck.json
"""
from __future__ import annotations
import argparse, json, os, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--config', default='default'); ap.add_argument('--updates', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--device', default='cpu')
    ap.add_argument('--set', nargs='*', default=[]); ap.add_argument('--json', default=None)
    a = ap.parse_args()
    from marl_nb.config import Config, load_config, check_config, merge_dict, parse_override
    from marl_nb.store import prepare_store
    from marl_nb.system import Market
    from marl_nb.trainer import Trainer
    from marl_nb.checkpoint import CheckpointManager
    over = [f'device={a.device}', 'trainer.validation_frequency=100000', *a.set]
    if a.config == 'default':
        cfg = Config()
        for o in over: cfg = merge_dict(cfg, parse_override(o))
        check_config(cfg)
    else: cfg = load_config(a.config, over)
    tmp = Path(tempfile.mkdtemp())
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mk = Market.from_store(prepare_store(cfg.data.source, tmp/'m.h5', cfg), cfg)
    load0 = os.getloadavg()
    tr = Trainer(cfg, mk).fit(1)
    if a.updates:   # per-update wall time from the trainer's own timing (rollout + learn), the final validation left out
        tr.fit(1 + a.updates); update_s = float(np.mean([h['rollout_s'] + h['update_s'] for h in tr.history[-a.updates:]]))
    else: update_s = None
    cm = CheckpointManager(tmp/'ck', keep=cfg.trainer.keep_checkpoints)
    saves, loads = [], []
    for i in range(a.repeats):
        t0 = time.perf_counter(); cm.save(tr.state_dict(), tr.update + i); saves.append(time.perf_counter() - t0)
    for i in range(a.repeats):
        t0 = time.perf_counter(); _, sd = cm.load_latest(); tr.load_state_dict(sd); loads.append(time.perf_counter() - t0)
    f = cfg.trainer.checkpoint_frequency
    save_s, load_s = float(np.median(saves)), float(np.median(loads))
    res = dict(config=a.config, device=a.device, n_envs=cfg.env.n_envs, rollout_steps=cfg.trainer.rollout_steps,
               checkpoint_bytes=cm.last_bytes, save_s=save_s, load_s=load_s, update_s=update_s, checkpoint_frequency=f,
               share_of_training=save_s/(f*update_s + save_s) if update_s else None, loadavg_before=load0, loadavg_after=os.getloadavg())
    print(json.dumps(res, indent=1))
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
