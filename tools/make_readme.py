"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines cannot install).
Markdown cells are copied (relative image links re-rooted at nbs/); code cells are copied as python blocks unless flagged `#| hide`."""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb = json.loads((root/'nbs'/'index.ipynb').read_text())
out = ['<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->', '']
for c in nb['cells']:
    src = ''.join(c['source'])
    if c['cell_type'] == 'markdown': out += [re.sub(r'\]\((?!https?:|/|#)([^)]+)\)', r'](nbs/\1)', src), '']
    elif not any(l.strip().startswith(('#| hide', '#|hide')) for l in src.splitlines()): out += ['```python', src, '```', '']
text = '\n'.join(out).rstrip() + '\n'
if '--check' in sys.argv:
    ok = (root/'README.md').exists() and (root/'README.md').read_text() == text
    if not ok: sys.exit('README.md is out of date: run python tools/make_readme.py')
else: (root/'README.md').write_text(text)
