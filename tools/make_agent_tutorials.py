"""Write the four agent-training tutorials (nbs/tutorials/*_Agent_Training.ipynb) from one template.

`python tools/make_agent_tutorials.py`: the notebooks are the template `nbs/tutorials/_agent_training.ipynb` with its
`{{...}}` fields filled in per agent group (`GROUPS` below). Edit the template, not the four notebooks; CI regenerates
them and fails when the committed ones differ. The template's name starts with `_`, so nbdev does not test it itself.
"""
import hashlib, json, re
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent/'nbs'/'tutorials'
TEMPLATE = HERE/'_agent_training.ipynb'
STRATEGIC_HOW = ("The strategic agents share their heads (with an agent-ID embedding), so the model is first turned into "
                 "the exactly equivalent one with per-agent heads: the {agent} agent then trains a whole head of its own "
                 "while the other agents' weights, and the shared encoder, stay bit-identical.")
def strategic(name, what): return dict(
    stem=f'{name.capitalize()}_Agent_Training', title=f'{name.capitalize()} agent training',
    summary=f'Train or fine-tune the {name} agent ({what}) with the other agents frozen, from a trained run.',
    agents=repr([name]), folder=name, heading='Fine-tune one agent', how=STRATEGIC_HOW.format(agent=name),
    moved="only the trained agents' own weights and the critic/gate", acts='How the fine-tuned agent acts',
    shown=repr([name]))
GROUPS = [
    strategic('regime', 'risk-on, neutral or risk-off for the whole system'),
    strategic('structure', 'the directional bias: short, none or long'),
    strategic('risk', 'how much of the position budget to use'),
    dict(stem='Tactical_Agent_Training', title='Tactical agents training',
         summary='Train or fine-tune the four tactical agents (FVG, breakout, scalping, momentum) as one group with the '
                 'other agents frozen, from a trained run.',
         agents=repr(['tactical']), folder='tactical', heading='Fine-tune the group',
         how='The whole tactical group trains, including its shared window encoder; the strategic agents stay '
             'bit-identical.',
         moved="only the trained agents' own weights, the shared tactical encoder and the critic/gate",
         acts='How the fine-tuned agents act', shown=repr(['fvg', 'breakout', 'scalping', 'momentum'])),
]

def render(template:dict, fields:dict)->dict:
    "The template with every `{{key}}` replaced; cell ids derived from the notebook's name, so they stay stable."
    nb = json.loads(json.dumps(template))
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        src = re.sub(r'\{\{(\w+)\}\}', lambda m: fields[m.group(1)], src)
        c['source'] = src.splitlines(keepends=True)
        c['id'] = hashlib.sha1(f"{fields['stem']}:{i}".encode()).hexdigest()[:8]
    return nb

def main():
    template = json.loads(TEMPLATE.read_text())
    for g in GROUPS:
        nb = render(template, g)
        (HERE/f"{g['stem']}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__': main()
