#!/usr/bin/env python
"""Environment throughput: `MarketEnv` against the per-step gym-style peer gym-anytrading `forex-v0`.

Ours: env-steps/s and agent-steps/s at N = 1, 256, 4096, 65536 parallel episodes with uniform random actions, on a
seeded random-walk market with the contract's feature widths (60 x Ft tactical and 48 x Fs strategic windows).
Peer: gym-anytrading `forex-v0` (window_size=10) on the shipped EURUSD 1h sample, random actions from its action space,
reset when an episode ends. In both, a step counts only once the observation for the next step has been returned, and
drawing the random actions is inside the timed loop (ours: one uniform draw per episode over the 8,748 joint actions, so
each agent's action is uniform and independent, as with one draw per agent, at about half the cost). On the CPU the env
takes its default fused step (one compiled pass over the episodes); `--tensor-sizes` also times the tensor step (the
accelerator path) in the same run, for comparison. Our windows are delivered Isaac-Gym style in persistent buffers
updated in place (a ring buffer view for the tactical windows, a refresh of the strategic windows whose bar closed), as the
env returns them to every caller; the peer, too, returns a view of its feature array (no copy).
The machine's load is recorded (`loadavg`): other processes on the 2 cores make torch's 2-thread parallel regions wait for
a core, so compare runs taken on a quiet machine (or pass `--threads 1`).
Each measurement is split into chunks; the best chunk is the headline figure (as `timeit` does, since the machine may be
shared) and the median is kept beside it. agent-steps/s counts the agents that acted: 4 tactical agents every step plus
the 4 strategic agents on strategic decision steps.

    python benchmarks/env_throughput.py --json /tmp/env_bench.json

Needs gym-anytrading for the peer (`pip install gym-anytrading`); without it the peer is skipped and says so.
"""
from __future__ import annotations
import argparse, json, os, platform, sys, time
from pathlib import Path
import numpy as np, torch

from marl_nb.config import EnvConfig
from marl_nb.env import MarketEnv, AGENTS, toy_market

def feature_widths()->tuple:
    "Tactical and strategic feature widths: the real feature lists when `marl_nb.features` exists, else the contract's."
    try:
        from marl_nb.features import TACTICAL_FEATURES, STRATEGIC_FEATURES
        return len(TACTICAL_FEATURES), len(STRATEGIC_FEATURES)
    except ImportError: return 12, 13

def timed_chunks(step, # callable doing one timed unit of work, returns the number of env-steps it did
                 seconds:float, # total timed seconds
                 chunks:int=5, # the time is split into this many chunks
                 sync=lambda: None, # waits for the device (CUDA) before reading the clock
                )->dict:
    "Env-steps/s of `step` per chunk: best and median (the machine is shared, so single runs are noisy)."
    rates, total, n_calls = [], 0, 0
    for _ in range(chunks):
        sync(); n, calls, t0 = 0, 0, time.perf_counter()
        while True:
            n += step(); calls += 1
            if calls >= 3 and time.perf_counter() - t0 >= seconds / chunks: break
        sync(); dt = time.perf_counter() - t0
        rates.append(n / dt); total += n; n_calls += calls
    return dict(best=max(rates), median=float(np.median(rates)), chunk_rates=rates, env_steps=total, calls=n_calls)

def time_ours(n_envs:int, seconds:float, device:str, n_bars:int, chunks:int=5, seed:int=0, fused:bool=None, validate:bool=True)->dict:
    "Random-action steps of a `MarketEnv` with `n_envs` episodes for about `seconds` (`fused`: which step; None: the default)."
    ft, fs = feature_widths()
    m = toy_market(n_bars, n_tactical_features=ft, n_strategic_features=fs, seed=seed)
    env = MarketEnv.from_arrays(**m, cfg=EnvConfig(n_envs=n_envs), seed=seed, device=device, fused=fused,
                                validate=validate)
    g = torch.Generator(device=device).manual_seed(seed)
    joint = torch.cartesian_prod(*[torch.arange(int(n), device=device) for n in env.sizes])   # every joint action, [8748, 8]
    strategic_acts = torch.zeros((), dtype=torch.long, device=device)   # episodes whose strategic agents acted, summed
    def step():
        nonlocal last
        actions = joint.index_select(0, torch.randint(0, len(joint), (n_envs,), generator=g, device=device))
        last = env.step(actions)     # the previous step's outputs stay alive until here, as in a rollout loop
        strategic_acts.add_(last[3]['active'][:, 0].sum())   # the 4 tactical agents act on every step
        return n_envs
    last = None
    for _ in range(3): step()   # warm-up
    strategic_acts.zero_()
    sync = torch.cuda.synchronize if str(device).startswith('cuda') else (lambda: None)
    r = timed_chunks(step, seconds, chunks, sync)
    agents_per_env_step = 4 + 4 * int(strategic_acts) / r['env_steps']
    return dict(n_envs=n_envs, fused=env.fused, validate=validate, env_steps_per_s=r['best'], env_steps_per_s_median=r['median'],
                agent_steps_per_s=r['best'] * agents_per_env_step, agents_per_env_step=agents_per_env_step,
                step_ms=1e3 * n_envs / r['best'], steps=r['calls'], chunk_env_steps_per_s=r['chunk_rates'],
                obs_shapes={k: list(v.shape) for k, v in last[0].items()})

def time_peer(seconds:float, chunks:int=5, seed:int=0)->dict:
    "Random-action steps of gym-anytrading forex-v0 on the shipped EURUSD 1h sample for about `seconds`."
    import warnings, pandas as pd, gymnasium as gym, gym_anytrading  # noqa: F401 (registers forex-v0)
    from marl_nb.data import sample_path
    df = pd.read_csv(sample_path('eurusd'))
    resets = 0
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')   # gymnasium's passive checker warns about gym-anytrading's shared obs buffer
        env = gym.make('forex-v0', df=df, window_size=10, frame_bound=(10, len(df)))
        env.reset(seed=seed); env.action_space.seed(seed)
        def step():
            nonlocal resets, obs
            for _ in range(1000):
                obs, r, term, trunc, info = env.step(env.action_space.sample())
                if term or trunc: obs, info = env.reset(); resets += 1
            return 1000
        obs = None
        step()   # warm-up
        r = timed_chunks(step, seconds, chunks)
    return dict(name='gym-anytrading forex-v0 (window_size=10, EURUSD 1h sample)', rows=len(df), steps=r['env_steps'],
                resets=resets, env_steps_per_s=r['best'], env_steps_per_s_median=r['median'], agent_steps_per_s=r['best'],
                chunk_env_steps_per_s=r['chunk_rates'], obs_shape=list(np.shape(obs)))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--json', help='write the results to this JSON file')
    p.add_argument('--sizes', type=int, nargs='+', default=[1, 256, 4096, 65536], help='numbers of parallel episodes')
    p.add_argument('--seconds', type=float, default=4.0, help='timed seconds per measurement')
    p.add_argument('--chunks', type=int, default=5, help='each measurement is split into this many chunks; best and median are kept')
    p.add_argument('--device', default='cpu', help='torch device for MarketEnv')
    p.add_argument('--bars', type=int, default=30_000, help='tactical bars of the synthetic market')
    p.add_argument('--no-validate', action='store_true',
                   help='skip the per-step action check (on an accelerator it costs two host syncs per step; tuned GPU loops skip it)')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s own choice)')
    p.add_argument('--tensor-sizes', type=int, nargs='*', default=[1, 256, 4096],
                   help='on the CPU, also time the tensor step (fused=False) at these sizes, for comparison in the same run')
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    res = dict(machine=dict(cpus=os.cpu_count(), torch_threads=torch.get_num_threads(), torch=torch.__version__, loadavg=os.getloadavg(),
                            python=platform.python_version(), platform=platform.platform(), device=a.device,
                            gpu=torch.cuda.get_device_name() if str(a.device).startswith('cuda') else None),
               ours={}, ours_tensor_step={}, peer=None, ratio_at_4096=None)
    try: res['peer'] = time_peer(a.seconds, a.chunks)
    except ImportError as e: res['peer_skipped'] = f'gym-anytrading not installed ({e}); pip install gym-anytrading'
    if res['peer']: print(f"peer {res['peer']['name']}: {res['peer']['env_steps_per_s']:,.0f} env-steps/s "
                          f"(median {res['peer']['env_steps_per_s_median']:,.0f})", flush=True)
    for n in a.sizes:
        r = time_ours(n, a.seconds, a.device, a.bars, a.chunks, validate=not a.no_validate)
        res['ours'][str(n)] = r
        print(f"MarketEnv N={n:>6}: {r['env_steps_per_s']:>14,.0f} env-steps/s {r['agent_steps_per_s']:>14,.0f} agent-steps/s "
              f"({r['step_ms']:.3f} ms/step; median {r['env_steps_per_s_median']:,.0f} env-steps/s)", flush=True)
    for n in (a.tensor_sizes if a.device == 'cpu' else []):
        r = time_ours(n, a.seconds, a.device, a.bars, a.chunks, fused=False, validate=not a.no_validate)
        res['ours_tensor_step'][str(n)] = r
        print(f"  tensor step N={n:>6}: {r['env_steps_per_s']:>14,.0f} env-steps/s ({r['step_ms']:.3f} ms/step; "
              f"median {r['env_steps_per_s_median']:,.0f})", flush=True)
    if res['peer'] and '4096' in res['ours']:
        res['ratio_at_4096'] = res['ours']['4096']['env_steps_per_s'] / res['peer']['env_steps_per_s']
        res['ratio_at_4096_median'] = res['ours']['4096']['env_steps_per_s_median'] / res['peer']['env_steps_per_s_median']
        print(f"ratio at N=4096 (ours / peer, env-steps/s): {res['ratio_at_4096']:.1f}x best, {res['ratio_at_4096_median']:.1f}x median")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=2))
    return res

if __name__ == '__main__': main()
