#!/usr/bin/env python
"""Training throughput: the whole MAPPO loop (collect + update) of `marl_nb.trainer.Trainer` against two peers.

Ours: `Trainer` at the quickstart config (validation pushed out of the timed part). The store is prepared into a temp
folder, then `Market.from_store` is timed: that is all the data reading a run does (rollouts gather from in-memory
tensors afterwards). After `--warmup` updates, `--updates` more are timed. agent-steps per update =
rollout_steps * n_envs * 8 agents (as the Trainer counts them; `acting_agent_steps_per_s` counts the strategic agents
only on the steps where they decide); an episode is one trading day (`env.episode_len` env-steps), so
episodes/hour = env-steps/s * 3600 / episode_len. The data share is data_read_s / (data_read_s + warm-up and timed
training seconds). `fit` backtests the validation split after its last update; that time is measured and left out.
Peer A: TorchRL multi-agent PPO (MAPPO) on the VMAS `navigation` scenario at the settings of TorchRL's "Multi-Agent
Reinforcement Learning (PPO)" tutorial (3 agents, 6000 frames per batch over 60 vectorised envs of 100 steps, shared
MultiAgentMLP policy and centralised critic of depth 2 x 256 cells, ClipPPOLoss, 30 epochs of 400-frame minibatches, Adam
3e-4), written compactly here. agent-steps/s = env frames * n_agents / s over whole collector iterations (collection,
GAE and the PPO epochs), after one warm-up iteration.
Peer B: Stable-Baselines3 PPO (default hyperparameters, MlpPolicy) on gym-anytrading `forex-v0` with the shipped EURUSD
1h sample (window_size=10), env-steps/s over `model.learn(--sb3-steps)` after a short warm-up learn.

`--update-ab` also times one rollout's PPO update (`Trainer.learn`, and the single-agent baseline's `update`) with each
bar encoded once, as training does on the CPU (`PooledEncoder.from_rows`), and with every window's every bar encoded,
alternated in one process, best of 3 each (the ratio is the figure; the weights move between the calls). Part of
what the windows' path costs is memory: in a fresh process glibc serves each temporary of several MB from fresh pages
(mmap) and pays their page faults every time. After other heavy work in the same process (the TorchRL peer, say), or
with `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864`, the heap keeps such blocks and the windows' path is much
faster on 2 threads; so `--update-ab` runs before the peers. Compare runs under the same allocator settings.

All on CPU. The machine may be shared: `loadavg` is recorded before and after; compare runs on a quiet machine. A peer
that cannot be imported or run is recorded with its error and skipped; the script does not crash for it.

    python benchmarks/train_throughput.py --json /tmp/train_bench.json

Peers need the `bench` extra: `pip install -c constraints.txt torchrl vmas stable-baselines3 gym-anytrading`
(with `torch==<installed version>` in constraints.txt so pip does not replace torch).
"""
from __future__ import annotations
import argparse, json, os, platform, sys, tempfile, time, traceback, warnings
from pathlib import Path
import numpy as np, torch

def version(mod:str)->str|None:
    "Installed version of `mod`, or None."
    try:
        from importlib.metadata import version as v
        return v(mod)
    except Exception: return None

def peer_error(e:BaseException)->str:
    "One-line reason a peer failed, with the innermost frame."
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ''
    return f"{type(e).__name__}: {e}{where}"

# ---------------------------------------------------------------------------------------------------------- ours
def synthetic_market(cfg)->tuple:
    "`(market, prepare_s, data_s)`: `cfg`'s synthetic store prepared in a temp folder, then read (`Market.from_store`)."
    from marl_nb.store import prepare_store
    from marl_nb.system import Market
    with tempfile.TemporaryDirectory() as d:
        path = Path(d)/'data.h5'
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            prepare_store('synthetic', path, cfg)
        prepare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        market = Market.from_store(path, cfg)
        return market, prepare_s, time.perf_counter() - t0

def time_ours(updates:int=10, warmup:int=2, config:str='quickstart', overrides=())->dict:
    "Whole-loop throughput of `Trainer` at `config`; the data read is timed separately."
    from marl_nb.config import load_config
    from marl_nb.trainer import Trainer
    cfg = load_config(config, ['trainer.validation_frequency=100000', *overrides])
    market, prepare_s, data_s = synthetic_market(cfg)
    tr = Trainer(cfg, market)
    # `fit` always validates after its last update; that backtest is not training, so its time is taken out of the totals
    val_s, validate = [], tr.validate
    def timed_validate():
        t = time.perf_counter(); out = validate(); val_s.append(time.perf_counter() - t); return out
    tr.validate = timed_validate
    t0 = time.perf_counter(); tr.fit(warmup); warm_s = time.perf_counter() - t0 - sum(val_s)
    n_val = len(val_s)
    t0 = time.perf_counter(); tr.fit(warmup + updates); train_s = time.perf_counter() - t0 - sum(val_s[n_val:])
    T, N = cfg.trainer.rollout_steps, tr.env.n_envs
    env_steps = T * N * updates
    per = [h for h in tr.history[warmup:]]
    rollout_s, update_s = sum(h['rollout_s'] for h in per), sum(h['update_s'] for h in per)
    env_sps = env_steps / train_s
    active = float(np.mean([h['strategic_active'] for h in per]))   # share of steps on which the strategic agents decide
    return dict(config=config, device=str(tr.device), rollout_steps=T, n_envs=N, n_agents=8, episode_len=int(tr.env.episode_len),
                epochs=cfg.trainer.epochs, minibatches=cfg.trainer.minibatches, warmup_updates=warmup, timed_updates=updates,
                agent_steps_per_update=T * N * 8, train_seconds=train_s, warmup_seconds=warm_s,
                env_steps_per_s=env_sps, agent_steps_per_s=env_sps * 8, episodes_per_hour=env_sps * 3600 / tr.env.episode_len,
                strategic_active_share=active, acting_agent_steps_per_s=env_sps * (4 + 4 * active),
                rollout_share=rollout_s / (rollout_s + update_s), seconds_per_update=train_s / updates,
                prepare_store_seconds=prepare_s, data_read_seconds=data_s, validation_seconds_excluded=sum(val_s),
                data_share=data_s / (data_s + warm_s + train_s),
                per_update_agent_steps_per_s=[h['agent_steps_per_s'] for h in per])

# ------------------------------------------------------------------------------------------- the update, A/B
def time_update_ab(repeats:int=3, config:str='quickstart')->dict:
    "One rollout's PPO update with each bar encoded once (`PooledEncoder.from_rows`) and with the windows, alternated."
    import marl_nb.single_ppo as sp
    from marl_nb.config import load_config
    from marl_nb.mappo import ValueNormalizer
    from marl_nb.trainer import Trainer
    cfg = load_config(config, ['trainer.validation_frequency=100000'])
    market = synthetic_market(cfg)[0]
    tr = Trainer(cfg, market)
    tr.fit(2)
    b, obs = tr.collect(), tr._obs
    def windows_only(fb, idx):   # the update's observations without the rows: every window's every bar encoded
        o = obs(fb, idx); o.pop('tactical_rows', None); o.pop('strategic_rows', None); return o
    env = market.env('train', seed=cfg.seed)
    net = sp.SinglePolicy.for_env(env, cfg.model.hidden, cfg.model.encoder)
    opt, vn = torch.optim.Adam(net.parameters(), lr=cfg.trainer.lr_tactical, eps=1e-5), ValueNormalizer(1)
    sb, _ = sp.rollout(net, env, env.reset(), cfg.trainer.rollout_steps)   # on the CPU it keeps no windows: cut them
    t = sb['t'].flatten()
    cut = lambda a, rows: a.windows(rows).view(*sb['t'].shape, a.window, a.n_features)
    sbw = sb | {'tactical': cut(env.tactical, t), 'strategic': cut(env.strategic, env.strat_idx[t])}
    def learn(rows):
        tr._obs = obs if rows else windows_only   # an instance attribute: `minibatch_loss` calls it
        tr.learn(b)
    work = {'trainer_learn_rows': lambda: learn(True), 'trainer_learn_windows': lambda: learn(False),
            'single_update_rows': lambda: sp.update(net, opt, vn, sb, cfg.trainer, env),
            'single_update_windows': lambda: sp.update(net, opt, vn, sbw, cfg.trainer)}
    best = {k: float('inf') for k in work}
    for _ in range(repeats):
        for k, f in work.items():
            t0 = time.perf_counter(); f(); best[k] = min(best[k], time.perf_counter() - t0)
    return dict(config=config, repeats=repeats, seconds_best=best,
                trainer_speedup=best['trainer_learn_windows']/best['trainer_learn_rows'],
                single_speedup=best['single_update_windows']/best['single_update_rows'])

# ---------------------------------------------------------------------------------------------------- peer A
def time_torchrl(iterations:int=3, warmup:int=1, n_agents:int=3, frames_per_batch:int=6000, max_steps:int=100,
                 num_epochs:int=30, minibatch_size:int=400, lr:float=3e-4, seed:int=0)->dict:
    "MAPPO on VMAS navigation at the TorchRL tutorial's settings; env frames * agents per second over whole iterations."
    from tensordict.nn import TensorDictModule
    from tensordict.nn.distributions import NormalParamExtractor
    try: from torchrl.collectors import Collector
    except ImportError: from torchrl.collectors import SyncDataCollector as Collector
    from torchrl.data.replay_buffers import ReplayBuffer
    from torchrl.data.replay_buffers.samplers import SamplerWithoutReplacement
    from torchrl.data.replay_buffers.storages import LazyTensorStorage
    from torchrl.envs import RewardSum, TransformedEnv
    from torchrl.envs.libs.vmas import VmasEnv
    from torchrl.modules import MultiAgentMLP, ProbabilisticActor, TanhNormal
    from torchrl.objectives import ClipPPOLoss, ValueEstimators
    import logging
    logging.getLogger('torchrl').setLevel(logging.WARNING)
    warnings.filterwarnings('ignore', category=FutureWarning, module='torchrl')
    torch.manual_seed(seed)
    dev = torch.device('cpu')
    n_envs = frames_per_batch // max_steps
    env = VmasEnv(scenario='navigation', num_envs=n_envs, continuous_actions=True, max_steps=max_steps, device=dev,
                  n_agents=n_agents, seed=seed)
    env = TransformedEnv(env, RewardSum(in_keys=[env.reward_key], out_keys=[('agents', 'episode_reward')]))
    obs_dim = env.observation_spec['agents', 'observation'].shape[-1]
    spec = env.full_action_spec_unbatched[env.action_key]                     # [n_agents, action_dim]
    act_dim = spec.shape[-1]
    mlp = lambda n_out, centralised: MultiAgentMLP(n_agent_inputs=obs_dim, n_agent_outputs=n_out, n_agents=n_agents,
                                                   centralised=centralised, share_params=True, device=dev, depth=2,
                                                   num_cells=256, activation_class=torch.nn.Tanh)
    policy_net = torch.nn.Sequential(mlp(2 * act_dim, False), NormalParamExtractor())
    policy_mod = TensorDictModule(policy_net, in_keys=[('agents', 'observation')], out_keys=[('agents', 'loc'), ('agents', 'scale')])
    policy = ProbabilisticActor(policy_mod, spec=env.full_action_spec_unbatched, in_keys=[('agents', 'loc'), ('agents', 'scale')],
                                out_keys=[env.action_key], distribution_class=TanhNormal,
                                distribution_kwargs={'low': spec.space.low, 'high': spec.space.high},
                                return_log_prob=True)
    critic = TensorDictModule(mlp(1, True), in_keys=[('agents', 'observation')], out_keys=[('agents', 'state_value')])  # MAPPO
    total = frames_per_batch * (iterations + warmup)
    collector = Collector(env, policy, device=dev, storing_device=dev, frames_per_batch=frames_per_batch, total_frames=total)
    rb = ReplayBuffer(storage=LazyTensorStorage(frames_per_batch, device=dev), sampler=SamplerWithoutReplacement(),
                      batch_size=minibatch_size)
    loss_module = ClipPPOLoss(actor_network=policy, critic_network=critic, clip_epsilon=0.2, entropy_coeff=1e-4,
                              normalize_advantage=False)
    loss_module.set_keys(reward=env.reward_key, action=env.action_key, value=('agents', 'state_value'),
                         done=('agents', 'done'), terminated=('agents', 'terminated'))
    loss_module.make_value_estimator(ValueEstimators.GAE, gamma=0.99, lmbda=0.9)
    opt = torch.optim.Adam(loss_module.parameters(), lr)
    times, it, t0 = [], 0, time.perf_counter()
    for td in collector:       # collection happens inside the iterator, so a timed iteration runs t0 -> end of its PPO epochs
        for k in ('done', 'terminated'):   # the env's done flags, per agent as the reward
            td.set(('next', 'agents', k), td.get(('next', k)).unsqueeze(-1).expand(td.get_item_shape(('next', env.reward_key))))
        with torch.no_grad():
            loss_module.value_estimator(td, params=loss_module.critic_network_params, target_params=loss_module.target_critic_network_params)
        rb.extend(td.reshape(-1))
        for _ in range(num_epochs):
            for _ in range(frames_per_batch // minibatch_size):
                lv = loss_module(rb.sample())
                loss = lv['loss_objective'] + lv['loss_critic'] + lv['loss_entropy']
                loss.backward()
                torch.nn.utils.clip_grad_norm_(loss_module.parameters(), 1.0)
                opt.step(); opt.zero_grad()
        collector.update_policy_weights_()
        t1 = time.perf_counter(); times.append(t1 - t0); t0 = t1
        it += 1
    collector.shutdown()
    timed = times[warmup:]
    frames = frames_per_batch * len(timed)
    fps = frames / sum(timed)
    return dict(scenario='navigation', n_agents=n_agents, n_envs=n_envs, frames_per_batch=frames_per_batch, max_steps=max_steps,
                num_epochs=num_epochs, minibatch_size=minibatch_size, lr=lr, warmup_iterations=warmup, timed_iterations=len(timed),
                seconds=sum(timed), seconds_per_iteration=[round(t, 3) for t in times],
                env_steps_per_s=fps, agent_steps_per_s=fps * n_agents)

# ---------------------------------------------------------------------------------------------------- peer B
def time_sb3(timesteps:int=20480, warmup_steps:int=2048, seed:int=0)->dict:
    "SB3 PPO (defaults) on gym-anytrading forex-v0 with the shipped EURUSD 1h sample; env-steps/s of `learn`."
    import pandas as pd, gymnasium as gym, gym_anytrading  # noqa: F401 (registers forex-v0)
    from stable_baselines3 import PPO
    from marl_nb.data import sample_path
    path = Path(sample_path('eurusd'))
    df = pd.read_csv(path)                                         # Time, Open, High, Low, Close, Volume
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')   # gymnasium's passive checker warns about gym-anytrading's obs dtype
        env = gym.make('forex-v0', df=df, window_size=10, frame_bound=(10, len(df)))
        model = PPO('MlpPolicy', env, seed=seed, device='cpu', verbose=0)
        model.learn(warmup_steps)                                  # warm-up: first rollout and update
        t0 = time.perf_counter()
        model.learn(timesteps, reset_num_timesteps=True)
        dt = time.perf_counter() - t0
    done = model.num_timesteps
    return dict(env='forex-v0', data=path.name, window_size=10, frame_bound=[10, len(df)], n_steps=model.n_steps,
                batch_size=model.batch_size, n_epochs=model.n_epochs, timesteps=done, seconds=dt,
                env_steps_per_s=done / dt, agent_steps_per_s=done / dt)

# ------------------------------------------------------------------------------------------------------ main
def run_peer(name:str, fn, **kw)->dict:
    "Run a peer; on any failure return its reason instead of raising."
    try: return dict(ok=True, **fn(**kw))
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt): raise
        print(f"[{name}] skipped: {peer_error(e)}", file=sys.stderr)
        return dict(ok=False, error=peer_error(e))

def fmt(x, spec=',.0f'): return format(x, spec) if isinstance(x, (int, float)) else '-'

def table(res:dict)->str:
    o, a, b = res['ours'], res['torchrl_mappo'], res['sb3_ppo']
    rows = [('ours: marl_nb Trainer (quickstart, 8 agents)', o.get('agent_steps_per_s'), o.get('env_steps_per_s'), o.get('episodes_per_hour')),
            ('TorchRL MAPPO, VMAS navigation (3 agents)', a.get('agent_steps_per_s'), a.get('env_steps_per_s'), None),
            ('SB3 PPO, gym-anytrading forex-v0 (1 agent)', b.get('agent_steps_per_s'), b.get('env_steps_per_s'), None)]
    w = max(len(r[0]) for r in rows)
    out = [f"{'whole training loop, CPU':<{w}}  {'agent-steps/s':>14}  {'env-steps/s':>12}  {'episodes/h':>11}"]
    out += [f"{n:<{w}}  {fmt(x):>14}  {fmt(y):>12}  {fmt(z):>11}" for n, x, y, z in rows]
    for k, r in (('torchrl_mappo', a), ('sb3_ppo', b)):
        if not r.get('ok'): out.append(f"{k}: not measured ({r.get('error')})")
    out.append(f"ratio ours/TorchRL: {fmt(res['ratio_vs_torchrl'], '.1f')}x   ratio ours/SB3: {fmt(res['ratio_vs_sb3'], '.1f')}x")
    if o.get('ok'):
        out.append(f"ours: data read {o['data_read_seconds']:.2f} s = {100*o['data_share']:.2f}% of wall time "
                   f"(warm-up {o['warmup_seconds']:.1f} s + timed {o['train_seconds']:.1f} s); rollout share {100*o['rollout_share']:.0f}%")
    if res.get('update_ab'):
        u, sec = res['update_ab'], res['update_ab']['seconds_best']
        out.append(f"one rollout's update, each bar once / windows (best of {u['repeats']}): trainer "
                   f"{sec['trainer_learn_rows']:.3f} / {sec['trainer_learn_windows']:.3f} s "
                   f"({u['trainer_speedup']:.2f}x), "
                   f"single agent {sec['single_update_rows']:.3f} / {sec['single_update_windows']:.3f} s "
                   f"({u['single_speedup']:.2f}x)")
    out.append(f"loadavg before {res['loadavg_before']}, after {res['loadavg_after']}; torch threads {res['torch_threads']}")
    return '\n'.join(out)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--json', help='write the figures to this JSON file')
    p.add_argument('--updates', type=int, default=10, help='timed updates of ours (after --warmup)')
    p.add_argument('--warmup', type=int, default=2, help='warm-up updates of ours')
    p.add_argument('--torchrl-iters', type=int, default=2, help='timed TorchRL collector iterations (after one warm-up)')
    p.add_argument('--sb3-steps', type=int, default=20480, help='timed SB3 timesteps')
    p.add_argument('--skip', nargs='*', default=[], choices=['ours', 'torchrl', 'sb3'], help='parts to leave out')
    p.add_argument('--update-ab', action='store_true',
                   help="also time one rollout's update with each bar encoded once and with the windows")
    p.add_argument('--threads', type=int, default=None, help='torch.set_num_threads (default: torch default)')
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    res = dict(benchmark='train_throughput', python=platform.python_version(), machine=platform.processor() or platform.machine(),
               cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(), torch=torch.__version__,
               torchrl=version('torchrl'), tensordict=version('tensordict'), vmas=version('vmas'),
               stable_baselines3=version('stable-baselines3'), gym_anytrading=version('gym-anytrading'),
               loadavg_before=[round(x, 2) for x in os.getloadavg()], started=time.strftime('%Y-%m-%dT%H:%M:%S'))
    skipped = lambda n: dict(ok=False, error='skipped (--skip)')
    res['ours'] = dict(ok=True, **time_ours(a.updates, a.warmup)) if 'ours' not in a.skip else skipped('ours')
    if a.update_ab: res['update_ab'] = time_update_ab()   # before the peers: see the docstring
    res['torchrl_mappo'] = run_peer('torchrl', time_torchrl, iterations=a.torchrl_iters) if 'torchrl' not in a.skip else skipped('torchrl')
    res['sb3_ppo'] = run_peer('sb3', time_sb3, timesteps=a.sb3_steps) if 'sb3' not in a.skip else skipped('sb3')
    ratio = lambda r: (res['ours']['agent_steps_per_s'] / r['agent_steps_per_s']) if res['ours'].get('ok') and r.get('ok') else None
    res['ratio_vs_torchrl'], res['ratio_vs_sb3'] = ratio(res['torchrl_mappo']), ratio(res['sb3_ppo'])
    res['loadavg_after'] = [round(x, 2) for x in os.getloadavg()]
    print(table(res))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1, default=float))
        print(f"wrote {a.json}")
    return res

if __name__ == '__main__': main()
