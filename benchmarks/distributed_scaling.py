"""Agent-steps/s of data-parallel training with 1 and 2 (or more) processes under torchrun.

    python benchmarks/distributed_scaling.py [--procs 1 2] [--updates 6] [--device cpu|cuda] [--set key=value ...]

Each process keeps the quickstart config's `env.n_envs` (weak scaling: 2 processes train on twice the envs), runs
`--updates` updates and reports the median agent-steps/s of all ranks together (the first update, which warms up,
is left out). On the CPU each process gets one thread (OMP_NUM_THREADS=1). With 1 process torchrun's WORLD_SIZE is 1,
so the plain one-process trainer runs: the baseline. Prints one JSON summary.
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, time, warnings
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def worker(a):
    "One rank: train `a.updates` updates, rank 0 writes the per-update speeds to `a.out`."
    import torch
    from marl_nb.config import load_config
    from marl_nb.system import Market
    from marl_nb.trainer import Trainer
    from marl_nb.distributed import init_distributed, DataParallel
    cfg = load_config(a.config, a.set + [f'device={a.device}', f'trainer.max_updates={a.updates}', f'trainer.validation_frequency={10**6}'])
    cbs = []
    if int(os.environ.get('WORLD_SIZE', '1')) > 1:
        cfg = init_distributed(cfg); cbs = [DataParallel()]
    tr = Trainer(cfg, Market.from_store(a.store, cfg), cbs=cbs)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tr.fit(a.updates)
    wall = time.perf_counter() - t0
    if tr.rank == 0:
        Path(a.out).write_text(json.dumps(dict(history=[{k: h[k] for k in ('agent_steps_per_s', 'env_steps_per_s', 'rollout_s', 'update_s')} for h in tr.history],
                                               agent_steps=tr.agent_steps, wall_s=wall, device=str(tr.device), torch=torch.__version__,
                                               threads=torch.get_num_threads())))
    if cbs: cbs[0].close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--procs', type=int, nargs='+', default=[1, 2], help='process counts to measure')
    p.add_argument('--updates', type=int, default=6, help='updates per measurement (the first is left out)')
    p.add_argument('--device', default='cpu', help="'cpu' or 'cuda' (one GPU per process)")
    p.add_argument('--config', default='quickstart')
    p.add_argument('--set', nargs='*', default=[], help='config overrides, key=value')
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--store', help=argparse.SUPPRESS)
    p.add_argument('--out', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: return worker(a)
    import statistics, warnings as w
    from marl_nb.config import load_config
    from marl_nb.store import prepare_store
    tmp = Path(tempfile.mkdtemp())
    cfg = load_config(a.config, a.set)
    with w.catch_warnings():
        w.simplefilter('ignore'); store = prepare_store(cfg.data.source, tmp/'data.h5', cfg)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    if a.device == 'cpu': env['CUDA_VISIBLE_DEVICES'] = ''
    rows = {}
    for n in a.procs:
        out = tmp/f'p{n}.json'
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(n), '--master_addr', '127.0.0.1', '--master_port', str(free_port()),
               __file__, '--worker', '--store', str(store), '--out', str(out), '--updates', str(a.updates), '--device', a.device, '--config', a.config, '--set', *a.set]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode: sys.exit(f"{n} process(es) failed:\n{r.stderr[-4000:]}")
        d = json.loads(out.read_text())
        h = d['history'][1:] or d['history']
        rows[n] = dict(agent_steps_per_s=statistics.median(x['agent_steps_per_s'] for x in h), env_steps_per_s=statistics.median(x['env_steps_per_s'] for x in h),
                       update_s=statistics.median(x['rollout_s'] + x['update_s'] for x in h), wall_s=round(d['wall_s'], 2), device=d['device'], threads_per_process=d['threads'])
    base = rows[min(rows)]['agent_steps_per_s']/min(rows)
    for n, r in rows.items():
        r['speedup'] = r['agent_steps_per_s']/rows[min(rows)]['agent_steps_per_s']
        r['efficiency'] = r['agent_steps_per_s']/(base*n)
    print(json.dumps(dict(benchmark='distributed_scaling', config=a.config, overrides=a.set, n_envs_per_process=cfg.env.n_envs,
                          rollout_steps=cfg.trainer.rollout_steps, updates=a.updates, cpu_cores=os.cpu_count(), processes=rows), indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
