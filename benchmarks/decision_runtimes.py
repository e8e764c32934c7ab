"""The full decision program (8 agents, consensus, critic, K-pass MC-dropout gate) in every runtime we could ship it in,
at batch 1 on one CPU thread: latency, load time from disk and agreement with the eager program.

python benchmarks/decision_runtimes.py [--calls 3000] [--k 1000] [--json OUT]

Runtimes: eager `DecisionProgram`; the bundle's portable `torch.export` program (`.pt2`), as
`ExportedProgram.module()` runs it and as `PolicyBundle.decide` does (loaded by `load_portable`, its constants folded
once, called through `forward`: the inputs were checked against the manifest); the same program compiled by
AOTInductor (`marl_nb.export.compile_program`, what `marl_export --compile` ships); TorchScript (`torch.jit.trace`,
then `torch.jit.freeze` and `optimize_for_inference`); ONNX Runtime when `onnxruntime`, `onnx` and `onnxscript` are
installed (skipped, and said so, when not: `pip install onnxruntime onnx onnxscript`).
`load_s` is the time to load the saved program from disk in this process (the AOTInductor package is a shared
library; TorchScript and ONNX parse a graph). An untrained system of the Colab config: latency does not depend on
the weights."""
import argparse, json, os, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from latency import latency_ms
from marl_nb.config import load_config
from marl_nb.system import MarlSystem
from marl_nb.critic import gate_keep
from marl_nb.load_bundle import load_portable
from marl_nb.export import (DecisionProgram, DECISION_INPUTS, DECISION_OUTPUTS, export_program, compile_program,
                            io_table, _dims)

ap = argparse.ArgumentParser(); ap.add_argument('--calls', type=int, default=3000)
ap.add_argument('--k', type=int, default=1000); ap.add_argument('--json'); a = ap.parse_args()
warnings.simplefilter('ignore')
torch.set_num_threads(1)
cfg = load_config('colab_training_config', [f'model.mc_samples={a.k}'])
torch.manual_seed(0)
system = MarlSystem(cfg, 13, 10).eval()
prog, dims, tmp = DecisionProgram(system).eval(), _dims(system), Path(tempfile.mkdtemp())
ins = io_table(DECISION_INPUTS, dims)
g = torch.Generator().manual_seed(0)
masks = torch.from_numpy(gate_keep(dims['K'], dims['H'], system.gate.dropout)).float()/(1 - system.gate.dropout)
xs = (torch.randn(1, dims['Ws'], dims['Fs'], generator=g), torch.randn(1, dims['Wt'], dims['Ft'], generator=g),
      torch.zeros(1, 6), torch.ones(1, dtype=torch.bool), torch.ones(1, 4, dtype=torch.long),
      torch.zeros(1, dtype=torch.float64), torch.zeros(1, 15), masks.contiguous())
names = [o[0] for o in DECISION_OUTPUTS]
with torch.inference_mode(): ref = prog(*xs)

def agree(out):
    "Same actions and approval as eager, and the largest difference of the float outputs."
    out = [torch.as_tensor(np.asarray(o)) for o in out]
    same = bool(torch.equal(out[0].long(), ref[0]) and torch.equal(out[4].bool(), ref[4]))
    diff = max(float((o.double() - r.double()).abs().max()) for o, r, n in zip(out, ref, names)
               if r.is_floating_point())
    return dict(same_decision=same, max_abs_diff=diff)

res = {}
def measure(name, load, call):
    try:
        t0 = time.perf_counter(); f = load(); load_s = time.perf_counter() - t0
        with torch.inference_mode():
            res[name] = dict(latency_ms(lambda: call(f), a.calls, warmup=200), load_s=load_s, **agree(call(f)))
    except Exception as e: res[name] = dict(error=f'{type(e).__name__}: {str(e).strip().splitlines()[0][:200]}')
    print(name, {k: round(v, 4) if isinstance(v, float) else v for k, v in res[name].items()}, flush=True)

measure('eager', lambda: prog, lambda f: f(*xs))
pt2 = export_program(prog, ins, tmp/'decision.pt2')
measure('torch.export (ExportedProgram.module())', lambda: torch.export.load(pt2).module(), lambda f: f(*xs))
measure('torch.export (portable bundle)', lambda: load_portable(pt2), lambda f: f.forward(*xs))   # as `decide` calls it
aoti = compile_program(pt2, ins, tmp/'decision.aoti.pt2')
def load_aoti():
    from torch._inductor import aoti_load_package
    return aoti_load_package(str(aoti))
measure('AOTInductor (marl_export --compile)', load_aoti, lambda f: f(*xs))
def save_ts():
    with torch.no_grad():
        ts = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(prog, xs, check_trace=False)))
    torch.jit.save(ts, str(tmp/'decision.ts')); return tmp/'decision.ts'
try: ts_path = save_ts()
except Exception as e: ts_path, res['TorchScript (freeze)'] = None, dict(error=f'{type(e).__name__}: {e}'[:200])
if ts_path: measure('TorchScript (freeze)', lambda: torch.jit.load(str(ts_path)), lambda f: f(*xs))
try:
    import onnxruntime as ort
    def load_ort():
        so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = 1
        return ort.InferenceSession(str(tmp/'decision.onnx'), so, providers=['CPUExecutionProvider'])
    torch.onnx.export(prog, xs, str(tmp/'decision.onnx'), input_names=[i['name'] for i in ins], output_names=names,
                      dynamo=True)
    feeds = {i['name']: x.numpy() for i, x in zip(ins, xs)}
    measure('ONNX Runtime', load_ort, lambda f: f.run(None, feeds))
except Exception as e:
    res['ONNX Runtime'] = dict(error=f'{type(e).__name__}: {str(e).strip().splitlines()[0][:200]}')
    print('ONNX Runtime', res['ONNX Runtime'])
res.update(k=a.k, calls=a.calls, threads=1, torch=torch.__version__, loadavg=os.getloadavg())
if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
