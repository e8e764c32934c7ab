"""Browser test of the training dashboard: JupyterLab on 127.0.0.1 driven by headless Chromium (Debian's, never downloaded).

Writes a small notebook into a temp folder (a tiny synthetic run with a `TrainingDashboard`), runs it in JupyterLab,
clicks Start, waits for the charts to update, clicks Stop, checks that a checkpoint was written, saves a screenshot.
Then writes the HTML report of the first run (`marl_eval --html`'s page), opens it, checks every section and chart.
Usage: python .ci/browser_test.py [--charts auto|figurewidget|static ...] [--screenshot nbs/images/dashboard.png]
Needs: jupyterlab, playwright (the Python package only) and /usr/bin/chromium (apt-get install chromium)."""
import argparse, json, os, re, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']

NOTEBOOK_CODE = r'''
import tempfile, warnings
from pathlib import Path
from marl_nb.config import load_config, save_config
from marl_nb.store import prepare_store
from marl_nb.system import Market
from marl_nb.trainer import Trainer
from marl_nb.callback import JSONLLogger
from marl_nb.dashboard import TrainingDashboard
warnings.simplefilter('ignore')
run_dir = Path(RUN_DIR)   # relative: the kernel runs in the notebook's folder
cfg = load_config('quickstart', ['data.synthetic.n_bars=30000', 'data.tactical=5min', 'data.strategic=30min', 'model.mc_samples=8',
                                 'env.n_envs=8', 'trainer.rollout_steps=8', 'trainer.epochs=1', 'env.episode_bars=16',
                                 'trainer.validation_frequency=3', 'trainer.checkpoint_frequency=1000', 'trainer.max_updates=500'])
market = Market.from_store(prepare_store('synthetic', run_dir/'data.h5', cfg), cfg)
dash = TrainingDashboard(Trainer(cfg, market, run_dir, [JSONLLogger()]), charts=CHARTS, refresh_s=0.5)
save_config(cfg, run_dir/'config.yaml')   # as TrainingDashboard.from_config does: the report reads the run's config
dash
'''

class Fail(Exception): pass

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def write_notebook(path:Path, run_dir:str, charts:str):
    code = NOTEBOOK_CODE.replace('RUN_DIR', repr(run_dir)).replace('CHARTS', repr(charts)).strip()
    nb = dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
              cells=[dict(cell_type='code', id='dashboard', metadata={}, execution_count=None,
                          outputs=[], source=code)])
    path.write_text(json.dumps(nb, indent=1))

def start_server(folder:Path, port:int, token:str, log):
    "JupyterLab in its own process group, with settings and workspaces kept in `folder` (no news pop-up, no restored layout)."
    settings = folder/'.lab-settings'/'@jupyterlab'/'apputils-extension'
    settings.mkdir(parents=True)
    (settings/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(folder/'.lab-settings'), JUPYTERLAB_WORKSPACES_DIR=str(folder/'.lab-ws'),
               JUPYTER_RUNTIME_DIR=str(folder/'.runtime'), PYTHONWARNINGS='ignore')
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip', '127.0.0.1', '--port', str(port), f'--ServerApp.token={token}',
           '--allow-root', f'--ServerApp.root_dir={folder}', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    return subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

def api(port:int, token:str, path:str, method:str='GET'):
    req = urllib.request.Request(f'http://127.0.0.1:{port}{path}', method=method, headers={'Authorization': f'token {token}'})
    with urllib.request.urlopen(req, timeout=5) as r: body = r.read()
    return json.loads(body) if body else None

def wait_server(proc, port:int, token:str, timeout:float):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None: raise Fail(f'jupyter lab exited early with code {proc.returncode}')
        try: api(port, token, '/api/status'); return
        except OSError: time.sleep(0.5)
    raise Fail(f'jupyter lab did not answer on port {port} within {timeout:.0f} s')

def stop_server(proc, port:int, token:str):
    "Shut the kernels down, then end the server's process group (by its PID)."
    if proc.poll() is None:
        try:
            for k in api(port, token, '/api/kernels'): api(port, token, f"/api/kernels/{k['id']}", 'DELETE')
        except OSError: pass
        try: os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        try: proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait(5)

def updates_shown(page)->int:
    "The update count in the dashboard's progress text (-1 when not shown yet)."
    m = re.search(r'(\d+)/\d+ updates', page.inner_text('body'))
    return int(m.group(1)) if m else -1

def run_all(page, timeout:float):
    "Run > Run All Cells, again until the cell's prompt shows it queued or ran (a click before the kernel is ready is lost)."
    end = time.time() + timeout
    while time.time() < end:
        page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
        page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
        try: page.wait_for_function("() => /\\[(\\*|\\d+)\\]/.test(document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputArea-prompt').innerText)", timeout=5000); return
        except Exception: page.keyboard.press('Escape')
    raise Fail('the notebook did not start running (Run All Cells)')

def drive(port:int, token:str, nb_name:str, run_dir:Path, charts:str, screenshot:Path, timeout:float):
    from playwright.sync_api import sync_playwright
    T = int(timeout*1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1400, 'height': 1700})
            errors = []
            page.on('pageerror', lambda e: errors.append(str(e)))
            page.goto(f'http://127.0.0.1:{port}/lab/tree/{nb_name}?token={token}&reset', timeout=T)
            page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=T)
            run_all(page, timeout)
            start = page.get_by_role('button', name='Start', exact=True)
            start.wait_for(timeout=T)
            page.wait_for_function("() => document.body.innerText.includes('0/500 updates')", timeout=T)
            print(f'[{charts}] dashboard shown; clicking Start')
            start.click()
            page.wait_for_function("() => /([3-9]|\\d\\d+)\\/500 updates/.test(document.body.innerText)", timeout=T)
            page.wait_for_function("() => document.body.textContent.includes('validation equity curve after update')", timeout=T)
            n_plots = page.locator('.js-plotly-plot').count()
            if n_plots < 2: raise Fail(f'[{charts}] expected 2 plotly charts on the page, found {n_plots}')
            drawn = ("() => [...document.querySelectorAll('.js-plotly-plot .scatterlayer .trace path.js-line')]"
                     ".filter(p => (p.getAttribute('d') || '').split(/[LM]/).length > 3).length")   # lines through 3+ points
            try: page.wait_for_function(f"() => ({drawn})() >= 10", timeout=T)
            except Exception: raise Fail(f'[{charts}] the charts show {page.evaluate(drawn)} lines through 3+ points, expected 10 or more') from None
            lines = page.evaluate(drawn)
            print(f'[{charts}] {updates_shown(page)} updates shown, {n_plots} charts, {lines} drawn lines; clicking Pause')
            page.get_by_role('button', name='Pause', exact=True).click()
            page.wait_for_function("() => /^paused/m.test(document.body.innerText)", timeout=T)
            held = updates_shown(page); page.wait_for_timeout(1500)
            if updates_shown(page) != held: raise Fail(f'[{charts}] training went on while paused ({held} -> {updates_shown(page)} updates)')
            page.get_by_role('button', name='Resume', exact=True).click()
            page.wait_for_function(f"() => /(\\d+)\\/500 updates/.exec(document.body.innerText)[1] > {held}", timeout=T)
            print(f'[{charts}] paused at {held} updates, resumed')
            t_click = time.time()
            page.get_by_role('button', name='Stop', exact=True).click()
            print(f'[{charts}] Stop clicked after {time.time() - t_click:.1f} s (at {updates_shown(page)} updates)')
            page.wait_for_function("() => /stopped .*last checkpoint: update \\d+/.test(document.body.innerText)", timeout=T)
            shown = updates_shown(page)
            m = re.search(r'last checkpoint: update (\d+)', page.inner_text('body'))
            meta_p = run_dir/'checkpoints'/'last.pt.json'
            if not (run_dir/'checkpoints'/'last.pt').exists() or not meta_p.exists(): raise Fail(f'[{charts}] Stop left no checkpoint in {run_dir}/checkpoints')
            saved = json.loads(meta_p.read_text())['update']
            from marl_nb.checkpoint import CheckpointManager   # the file verifies (sha256, weights-only) and holds that update
            if CheckpointManager(run_dir/'checkpoints').load(run_dir/'checkpoints'/'last.pt')['counters']['update'] != saved:
                raise Fail(f'[{charts}] last.pt does not hold the update its sidecar names ({saved})')
            if saved < 3 or saved != int(m.group(1)) or saved != shown:
                raise Fail(f'[{charts}] checkpoint of update {saved}; the dashboard shows {shown} updates and last checkpoint {m.group(1)}')
            print(f'[{charts}] stopped {time.time() - t_click:.1f} s after the click; last.pt holds update {saved}')
            if screenshot is not None:
                page.wait_for_timeout(500)
                out = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell-outputArea .widget-vbox').first   # the dashboard's root box
                out.scroll_into_view_if_needed()
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                tmp = screenshot.with_name(screenshot.stem + '.tmp.png')
                out.screenshot(path=str(tmp)); tmp.replace(screenshot)     # atomic: a failed run leaves the old image
                print(f'[{charts}] screenshot: {screenshot}')
            if errors: print(f'[{charts}] page errors (not fatal): {errors[:3]}')
        except Exception:
            shot = Path(tempfile.gettempdir())/f'browser_test_failure_{charts}.png'
            try: page.screenshot(path=str(shot)); print(f'[{charts}] page at the failure: {shot}; page errors: {errors[:3]}', file=sys.stderr)
            except Exception: pass
            raise
        finally: browser.close()

def report_page(run_dir:Path, screenshot:Path, timeout:float):
    "The HTML report of a dashboard run (validation split) in chromium: every section shown and every chart drawn."
    import warnings
    from marl_nb.report import report, report_html
    from playwright.sync_api import sync_playwright
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        html = report_html(report(run_dir, 'validation'), run_dir/'report.html')
    print(f'[report] {html.name} written in {time.time() - t0:.0f} s ({html.stat().st_size/1e6:.1f} MB, plotly embedded)')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.goto(html.as_uri())
            drawn = "() => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d.querySelector('.main-svg')).length"
            try: page.wait_for_function(f"() => ({drawn})() >= 7", timeout=int(timeout*1000))
            except Exception: raise Fail(f'[report] {page.evaluate(drawn)} plotly charts drawn, expected 7 or more') from None
            text = page.inner_text('body')
            missing = [s for s in ('How the model was chosen', 'Metrics', 'By regime', 'Stress score', 'Charts') if s not in text]
            if missing: raise Fail(f'[report] sections missing from the page: {missing}')
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            print(f'[report] every section shown, {page.evaluate(drawn)} charts drawn; screenshot: {screenshot}')
        finally: browser.close()

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--charts', nargs='+', default=['static', 'auto'], help="chart modes to test, one notebook each (the screenshot shows the first: the static charts Colab gets)")
    ap.add_argument('--screenshot', default=str(ROOT/'nbs'/'images'/'dashboard.png'), help="PNG of the first mode's dashboard ('' for none)")
    ap.add_argument('--timeout', type=float, default=60, help='seconds allowed for each wait in the browser')
    ap.add_argument('--report-screenshot', default=str(Path(tempfile.gettempdir())/'marl_report.png'),
                    help="PNG of the HTML report of the first mode's run ('' to skip the report)")
    a = ap.parse_args()
    if not Path('/usr/bin/chromium').exists(): raise SystemExit('browser_test: /usr/bin/chromium is missing (apt-get install -y chromium)')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit('browser_test: terminated'))   # so the server is still stopped
    folder = Path(tempfile.mkdtemp(prefix='marl_dash_'))
    port, token = free_port(), secrets.token_hex(16)
    log = open(folder/'jupyter.log', 'w')
    proc = start_server(folder, port, token, log)
    t0, ok = time.time(), False
    try:
        wait_server(proc, port, token, 60)
        for i, charts in enumerate(a.charts):
            run_dir = folder/f'run_{charts}'
            write_notebook(folder/f'dashboard_{charts}.ipynb', run_dir.name, charts)
            drive(port, token, f'dashboard_{charts}.ipynb', run_dir, charts, Path(a.screenshot) if a.screenshot and i == 0 else None, a.timeout)
            for k in api(port, token, '/api/kernels'): api(port, token, f"/api/kernels/{k['id']}", 'DELETE')   # a fresh kernel for the next mode
        if a.report_screenshot: report_page(folder/f'run_{a.charts[0]}', Path(a.report_screenshot), a.timeout)
        ok = True
    except Fail as e: print(f'browser_test FAILED: {e}', file=sys.stderr)
    except Exception as e: print(f'browser_test FAILED: {type(e).__name__}: {e}', file=sys.stderr)
    finally:
        stop_server(proc, port, token); log.close()
        if not ok:
            print(f'--- jupyter log (last lines) ---\n' + ''.join((folder/'jupyter.log').read_text().splitlines(True)[-30:]), file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"browser_test {'passed' if ok else 'failed'} in {time.time() - t0:.0f} s")
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
