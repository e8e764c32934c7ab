"""Offline docs: execute every notebook in `nbs/` (as `nbdev_test` does, with IN_TEST=1) and render it to a static HTML site.

Quarto (what `nbdev_docs` uses) cannot be installed without internet access, so CI builds this site instead:
`python tools/build_docs.py [--out _site_offline] [--workers 2] [--flags slow] [NOTEBOOK ...]`.
Each notebook runs in a fresh process, with the same cell selection as `nbdev_test` (cells flagged with a test flag such
as `#| slow` are skipped unless `--flags` names it, `#| eval: false` cells never run), then nbconvert renders it with
its outputs: `#| hide` cells removed, directive comments stripped, plotly figures drawn by a local copy of plotly.js.
The site works from the file system with no network. Exits non-zero, naming the notebook and cell, when any notebook
fails to execute or render.
"""
from __future__ import annotations
import argparse, html, json, os, re, shutil, sys, time, traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def find_notebooks(nbs:Path)->list:
    "Notebooks under `nbs`, recursively, without `_*`/`.*` files and folders (as nbdev_test), in numbered order."
    out = []
    for p in sorted(nbs.rglob('*.ipynb')):
        rel = p.relative_to(nbs)
        if any(part.startswith(('_', '.')) for part in rel.parts): continue
        if rel.parts[0] == 'runs': continue   # run outputs, not docs
        out.append(p)
    return sorted(out, key=lambda p: (len(p.relative_to(nbs).parts), p.stem != 'index', str(p.relative_to(nbs))))

def _rel(nb:Path, nbs:Path)->Path:
    try: return nb.resolve().relative_to(nbs.resolve())
    except ValueError: return Path(nb.name)   # a notebook given on the command line from elsewhere

def page_name(nb:Path, nbs:Path)->str: return str(_rel(nb, nbs).with_suffix('.html')).replace(os.sep, '__')

# ---------------------------------------------------------------- in the worker process
def _plotly_html(fig_json:dict)->str:
    import plotly.io as pio
    return pio.to_html(fig_json, include_plotlyjs=False, full_html=False, config=dict(responsive=True))

def _clean_outputs(outputs)->list:
    "Plotly JSON -> static HTML drawn by the page's plotly.js; drop the notebook renderer's inline plotly.js loader."
    out = []
    for o in outputs or []:
        data = o.get('data') if isinstance(o, dict) else None
        if data and 'text/markdown' in data:   # show_doc's Quarto link attributes, as plain HTML
            md = re.sub(r'\[source\]\(([^)]+)\)\{target="_blank" style="([^"]*)"\}',
                        r'<a href="\1" target="_blank" style="\2">source</a>', ''.join(data['text/markdown']))
            o = dict(o, data=dict(data, **{'text/markdown': md})); data = o['data']
        if data and 'application/vnd.plotly.v1+json' in data:
            data = dict(data); fig = data.pop('application/vnd.plotly.v1+json')
            data['text/html'] = _plotly_html(fig)
            o = dict(o, data=data)
        elif data and 'text/html' in data and 'plotly.js' in ''.join(data['text/html']) and 'require' in ''.join(data['text/html']) and len(data) == 1:
            continue
        if data is not None:
            data = {k: v for k, v in (o.get('data') or {}).items() if k != 'application/vnd.jupyter.widget-view+json'}  # no live kernel: show the fallback
            if not data: continue
            o = dict(o, data=data)
        out.append(o)
    return out

def run_notebook(nb_path:str, out_html:str, skip_flags:list, site_title:str, nav:str)->dict:
    "Execute and render one notebook; returns {ok, seconds, error, cell}."
    import resource
    t0, nb_path = time.perf_counter(), Path(nb_path)
    def cpu():   # CPU seconds of this worker and of the processes it started (CLI tests, torchrun)
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
    c0 = cpu()
    os.environ['IN_TEST'] = '1'
    threads = max(1, (os.cpu_count() or 2)//int(os.environ.get('BUILD_DOCS_WORKERS', '1')))
    os.environ.setdefault('OMP_NUM_THREADS', str(threads))   # also for the processes a notebook starts (CLI tests)
    try:
        import torch
        torch.set_num_threads(threads)   # one thread per worker: on 2 cores, 2 threads each spin-wait and cost several times the CPU
    except ImportError: pass
    from nbdev.process import NBProcessor
    from nbdev.processors import add_show_docs
    from execnb.shell import CaptureShell
    # reads the notebook, parses each cell's `#|` directives into `cell.directives_`, and adds a `show_doc` cell after
    # every exported definition, as nbdev's Quarto build does: API pages show signatures and parameter tables
    proc = NBProcessor(nb_path, procs=[add_show_docs]); proc.process(); nb = proc.nb
    shell = CaptureShell(nb_path)
    shell.run("import plotly.io as _pio; _pio.renderers.default = 'plotly_mimetype'")
    shell.run("from nbdev.showdoc import show_doc")
    flags = set(skip_flags)
    cwd = os.getcwd(); os.chdir(nb_path.parent); sys.path.insert(0, str(ROOT))
    try:
        for i, cell in enumerate(nb.cells):
            d = getattr(cell, 'directives_', {}) or {}
            if cell.cell_type != 'code': continue
            if ('nbdev_export' + '(') in cell.source or d.get('eval:', [''])[0].lower() == 'false' or flags & d.keys():
                cell.outputs = []; continue
            shell.cell(cell)
            if shell.exc:
                first = next((l for l in cell.source.splitlines() if l.strip()), '')
                tb = ''.join(traceback.format_exception(shell.exc))[-3000:]
                return dict(ok=False, seconds=time.perf_counter() - t0, cpu=cpu() - c0, cell=i, error=f"cell {i} ({first[:80]!r}) raised:\n{tb}")
    finally: os.chdir(cwd)
    try:
        html_text = render(nb, nb_path, site_title, nav)
        Path(out_html).write_text(html_text)
    except Exception as e:
        return dict(ok=False, seconds=time.perf_counter() - t0, cpu=cpu() - c0, cell=None, error=f"render failed: {type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}")
    return dict(ok=True, seconds=time.perf_counter() - t0, cpu=cpu() - c0, cell=None, error=None)

def _visible(cell)->dict | None:
    "The cell as shown in the docs (None: hidden), from its nbdev directives."
    d = getattr(cell, 'directives_', {}) or {}
    if 'hide' in d or d.get('include:', [''])[0].lower() == 'false': return None
    if 'export' in d and 'exports' not in d: return None   # exported source: shown as the `show_doc` cells after it
    c = dict(cell_type=cell.cell_type, metadata={}, source=cell.source, id=cell.get('id'))
    if cell.cell_type == 'code':
        c['source'] = re.sub(r'^#\|.*\n?', '', cell.source, flags=re.M)
        c['outputs'] = [] if d.get('output:', [''])[0].lower() == 'false' else _clean_outputs(_plain(list(cell.get('outputs', [])), 'outputs'))
        c['execution_count'] = None
        if 'hide_input' in d or d.get('echo:', [''])[0].lower() == 'false' or getattr(cell, 'has_sd', False): c['metadata'] = {'jupyter': {'source_hidden': True}, 'hide_input': True}
        if not c['source'].strip() and not c['outputs']: return None
    return c

def _plain(x, key=None):
    "Plain dicts and lists, with multi-line text (stored as lists of lines) joined into strings, as nbconvert expects."
    if isinstance(x, dict): return {k: (v if k.endswith('json') else _plain(v, k)) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if key not in (None, 'outputs') and all(isinstance(v, str) for v in x): return ''.join(x)
        return [_plain(v) for v in x]
    return x

CSS = """
body { margin: 0; }
#site-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 250px; overflow-y: auto; background: #f6f8fa;
  border-right: 1px solid #ddd; padding: 12px 10px; font: 14px/1.4 system-ui, sans-serif; box-sizing: border-box; z-index: 10; }
#site-nav a { display: block; padding: 2px 6px; color: #24292f; text-decoration: none; border-radius: 4px; }
#site-nav a:hover { background: #e1e4e8; } #site-nav a.current { background: #0969da; color: #fff; }
#site-nav h2 { font-size: 16px; margin: 0 0 8px; } #site-nav h3 { font-size: 12px; text-transform: uppercase; color: #57606a; margin: 12px 0 4px; }
#site-main { margin-left: 260px; padding: 0 16px; max-width: 1150px; }
main .jp-Cell { max-width: 100%; }
"""

def render(nb, nb_path:Path, site_title:str, nav:str)->str:
    "HTML page of an executed notebook, with the site navigation and the local plotly.js."
    import nbformat
    from nbconvert import HTMLExporter
    cells = [c for c in (_visible(c) for c in nb.cells) if c is not None]
    node = nbformat.from_dict(dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python'),
                                                                               language_info=dict(name='python')), cells=cells))
    for c in node.cells:
        if c.cell_type == 'code' and 'hide_input' in c.metadata: c.metadata['transient'] = {'remove_source': True}
    exp = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    exp.exclude_anchor_links = False
    body, _ = exp.from_notebook_node(node, resources=dict(metadata=dict(name=nb_path.stem)))
    head = f"<script src=\"plotly.min.js\"></script><style>{CSS}</style>"
    body = body.replace('</head>', head + '</head>', 1)
    body = re.sub(r'<title>.*?</title>', f'<title>{html.escape(nb_path.stem)} - {html.escape(site_title)}</title>', body, count=1, flags=re.S)
    body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav.replace(f'href="{page_name_rel(nb_path)}"', f'class="current" href="{page_name_rel(nb_path)}"') + '<main id="site-main">', body, count=1)
    return body.replace('</body>', '</main></body>', 1)

def page_name_rel(nb_path:Path)->str:
    return page_name(nb_path, ROOT/'nbs')

# ---------------------------------------------------------------- the site
def title_of(nb_path:Path)->tuple:
    "(title, summary) from the first markdown cell's `# Title` and `> summary`."
    cells = json.loads(nb_path.read_text())['cells']
    for c in cells:
        if c['cell_type'] != 'markdown': continue
        src = ''.join(c['source'])
        t = re.search(r'^#\s+(.+)$', src, re.M)
        s = re.search(r'^>\s*(.+)$', src, re.M)
        if t: return t.group(1).strip(), (s.group(1).strip() if s else '')
    return nb_path.stem, ''

def build_nav(pages:list, site_title:str)->str:
    "The sidebar: modules, then each subfolder (tutorials) as its own section."
    parts, section = [f'<nav id="site-nav"><h2><a href="index.html">{html.escape(site_title)}</a></h2>'
                      '<a href="contents.html">All notebooks, with build times</a>'], None
    for p in pages:
        sec = p['section']
        if sec != section: parts.append(f'<h3>{html.escape(sec)}</h3>'); section = sec
        parts.append(f'<a href="{p["page"]}" title="{html.escape(p["summary"])}">{html.escape(p["title"])}</a>')
    return ''.join(parts) + '</nav>'

def build_index(pages:list, site_title:str, nav:str, results:dict, seconds:float)->str:
    rows, section = [], None
    for p in pages:
        if p['section'] != section:
            section = p['section']; rows.append(f'<tr><th colspan="3" style="text-align:left;padding-top:1em">{html.escape(section)}</th></tr>')
        r = results.get(p['nb'], {})
        summary = re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(p["summary"]))
        rows.append(f'<tr><td><a href="{p["page"]}">{html.escape(p["title"])}</a></td><td>{summary}</td>'
                    f'<td style="text-align:right;white-space:nowrap">{r.get("seconds", 0):.0f} s</td></tr>')
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(site_title)}</title><style>{CSS}'
            'table{border-collapse:collapse;font:15px/1.5 system-ui,sans-serif} td{padding:3px 10px;border-bottom:1px solid #eee;vertical-align:top}'
            f'</style></head><body>{nav}<main id="site-main" style="font-family:system-ui,sans-serif"><h1>{html.escape(site_title)}</h1>'
            '<p>Every notebook of the project, executed with <code>IN_TEST=1</code> (the tiny CI settings) and rendered with its outputs. '
            f'Built offline by <code>tools/build_docs.py</code> in {seconds:.0f} s. The same notebooks make the nbdev (Quarto) site.</p>'
            f'<table>{"".join(rows)}</table></main></body></html>')

def tst_flags()->list:
    import configparser
    cp = configparser.ConfigParser(); cp.read(ROOT/'settings.ini')
    return cp['DEFAULT'].get('tst_flags', '').split()

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to build (default: all of nbs/)')
    ap.add_argument('--out', default=str(ROOT/'_site_offline'), help='output folder (replaced)')
    ap.add_argument('--workers', type=int, default=2, help='notebooks executed at once')
    ap.add_argument('--flags', default='', help='test flags whose cells run too (e.g. "slow"); default: skipped, as nbdev_test')
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    nbs = ROOT/'nbs'
    all_nbs = find_notebooks(nbs)
    todo = [Path(p).resolve() for p in a.notebooks] if a.notebooks else all_nbs
    for p in todo:
        if not p.exists(): sys.exit(f"build_docs: no notebook {p}")
    out = Path(a.out)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    if (nbs/'images').is_dir(): shutil.copytree(nbs/'images', out/'images')   # pictures the pages link to
    # the console scripts (marl_train, ...) that notebooks start live next to this interpreter, venv activated or not
    os.environ['PATH'] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get('PATH', '')
    import plotly
    shutil.copy(Path(plotly.__file__).parent/'package_data'/'plotly.min.js', out/'plotly.min.js')
    site_title = 'marl_nb'
    pages = []
    for p in todo:
        title, summary = title_of(p)
        rel = _rel(p, nbs)
        section = 'Modules' if len(rel.parts) == 1 else rel.parts[0].replace('_', ' ').title()
        pages.append(dict(nb=str(p), page=page_name(p, nbs), title=title if p.stem != 'index' else f'{title} (start here)', summary=summary, section=section))
    nav = build_nav(pages, site_title)
    skip = sorted(set(tst_flags()) - set(a.flags.split()))
    os.environ['BUILD_DOCS_WORKERS'] = str(a.workers)
    results = {}
    print(f"build_docs: {len(pages)} notebooks, {a.workers} workers, skipping cells flagged {skip or 'nothing'}", flush=True)
    os.environ['IN_TEST'] = '1'
    ctx = get_context('forkserver')   # each notebook in a fresh process, forked from a server that imported the heavy modules once
    ctx.set_forkserver_preload(['torch', 'pandas', 'plotly.graph_objects', 'plotly.io', 'nbconvert', 'execnb.shell', 'nbdev.process', 'marl_nb.trainer'])
    fresh = dict(max_tasks_per_child=1) if sys.version_info >= (3, 11) else {}   # Python 3.10: workers are reused, as in nbdev_test
    with ProcessPoolExecutor(a.workers, mp_context=ctx, **fresh) as ex:
        futs = {ex.submit(run_notebook, p['nb'], str(out/p['page']), skip, site_title, nav): p for p in pages}
        for f in as_completed(futs):
            p = futs[f]
            try: r = f.result()
            except Exception as e: r = dict(ok=False, seconds=0, cell=None, error=f"worker died: {type(e).__name__}: {e}")
            results[p['nb']] = r
            rel = _rel(Path(p['nb']), nbs)
            print(f"  {'ok  ' if r['ok'] else 'FAIL'} {str(rel):45s} {r['seconds']:6.1f} s wall {r.get('cpu', 0):6.1f} s CPU", flush=True)
    secs = time.perf_counter() - t0
    (out/'contents.html').write_text(build_index(pages, site_title, nav, results, secs))   # index.html: the start page
    bad = {k: v for k, v in results.items() if not v['ok']}
    for k, v in bad.items(): print(f"\n=== {_rel(Path(k), nbs)} failed: {v['error']}", file=sys.stderr)
    cpu_total = sum(r.get('cpu', 0) for r in results.values())
    print(f"\nbuild_docs: {len(results) - len(bad)} rendered, {len(bad)} failed, in {secs:.0f} s wall ({cpu_total:.0f} s CPU in the notebooks); open {out/('index.html' if (out/'index.html').exists() else 'contents.html')}")
    if bad:
        print("build_docs: failed notebooks: " + ', '.join(f"{_rel(Path(k), nbs)} (cell {v['cell']})" for k, v in bad.items()), file=sys.stderr)
        sys.exit(1)

if __name__ == '__main__': main()
