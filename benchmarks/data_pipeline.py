"""Bars/s for load + validate + resample + store on 1M synthetic 1-minute bars.

python benchmarks/data_pipeline.py [--n-bars 1000000] [--json OUT]
The CSV and Parquet inputs are written first (not timed); each stage is then timed on its own."""
import argparse, json, tempfile, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
import numpy as np
from marl_nb.config import load_config, SyntheticConfig
from marl_nb.data import synthetic_market, load_bars, validate_bars, resample_bars, time_splits
from marl_nb.store import write_store, _features

ap = argparse.ArgumentParser(); ap.add_argument('--n-bars', type=int, default=1_000_000); ap.add_argument('--json')
a = ap.parse_args()
cfg = load_config('quickstart', [f'data.synthetic.n_bars={a.n_bars}'])
bars, _ = synthetic_market(cfg.data.synthetic)
tmp = Path(tempfile.mkdtemp())
raw = bars.copy(); raw.index = raw.index - np.timedelta64(1, 'm')
raw.to_csv(tmp/'bars.csv', index_label='timestamp'); raw.to_parquet(tmp/'bars.parquet')

res = {'n_bars': a.n_bars}
for fmt in ('csv', 'parquet'):
    t = time.perf_counter(); b = load_bars(tmp/f'bars.{fmt}'); res[f'load_validate_{fmt}_s'] = time.perf_counter() - t
t = time.perf_counter(); validate_bars(b); res['validate_s'] = time.perf_counter() - t
t = time.perf_counter(); frames = {'tactical': resample_bars(b, '5min'), 'strategic': resample_bars(b, '30min')}; res['resample_s'] = time.perf_counter() - t
t = time.perf_counter(); feats = _features(frames, cfg); res['features_s'] = time.perf_counter() - t if feats else None
t = time.perf_counter()
write_store(tmp/'s.h5', frames, time_splits(frames['tactical'].index), features=feats); res['store_s'] = time.perf_counter() - t
for fmt in ('csv', 'parquet'):
    total = res[f'load_validate_{fmt}_s'] + res['resample_s'] + res['store_s']
    res[f'pipeline_{fmt}_s'] = total; res[f'bars_per_s_{fmt}'] = a.n_bars/total
print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}, indent=1))
if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
