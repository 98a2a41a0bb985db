#!/usr/bin/env python3
"""Dialect as a character language model (experiment, not used by raqib).

One character 5-gram model per class (dialect / ok) on the dialect training
split, interpolated absolute discounting (D = 0.75); a sentence scores its
mean log-likelihood ratio per character. Prints accuracy at ratio 0 and at
each split's own best threshold. Standard library only.

    python3 tools/make_splits.py
    python3 tools/experiments/dialect_char_lm.py [N] [DATA_DIR]

N is the order (default 5); DATA_DIR holds dialect-{train,dev,test}.tsv
(default build/data). Figures and verdict: models/dialect.md, "A different
model class". About 30 s.
"""
import collections
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import make_pseudonym_data  # noqa: E402  (its norm(): NFKC, marks, letters)

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5
DATA = sys.argv[2] if len(sys.argv) > 2 else 'build/data'
D = 0.75


def norm(s):
    s = re.sub(r'(.)\1\1+', r'\1', make_pseudonym_data.norm(s))
    return ' ' + re.sub(r'\s+', ' ', s) + ' '


def load(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f):
            c = line.rstrip('\n').split('\t')
            if i == 0 and c[:2] == ['text', 'label'] or len(c) < 2:
                continue
            rows.append((norm(c[0]), c[1] == 'dialect'))
    return rows


train = load(f'{DATA}/dialect-train.tsv')
cnt = [[collections.Counter() for _ in range(N + 1)] for _ in range(2)]
ctx = [[collections.Counter() for _ in range(N + 1)] for _ in range(2)]
types = [[collections.Counter() for _ in range(N + 1)] for _ in range(2)]
for t, y in train:
    k = int(y)
    for i in range(len(t)):
        for n in range(1, N + 1):
            if i + n > len(t):
                break
            g = t[i:i + n]
            if cnt[k][n][g] == 0:
                types[k][n][g[:-1]] += 1
            cnt[k][n][g] += 1
            ctx[k][n][g[:-1]] += 1
V = len({c for t, _ in train for c in t}) + 1


def prob(k, h, c):
    p = 1.0 / V
    for n in range(1, N + 1):
        if n > 1 and len(h) < n - 1:
            break
        hh = h[len(h) - (n - 1):] if n > 1 else ''
        cc = ctx[k][n].get(hh, 0)
        if cc == 0:
            continue
        p = max(cnt[k][n].get(hh + c, 0) - D, 0) / cc + D * types[k][n].get(hh, 0) / cc * p
    return p


def score(t):
    s = 0.0
    for i in range(1, len(t)):
        h = t[max(0, i - N + 1):i]
        s += math.log(prob(1, h, t[i])) - math.log(prob(0, h, t[i]))
    return s / max(1, len(t) - 1)


for name in ('dev', 'test'):
    sc = [(score(t), y) for t, y in load(f'{DATA}/dialect-{name}.tsv')]
    acc0 = sum((s > 0) == y for s, y in sc) / len(sc)
    best = max((sum((s > th / 100) == y for s, y in sc) / len(sc), th / 100)
               for th in range(-100, 101, 2))
    print(f'{name}: accuracy {100 * acc0:.1f} % at ratio 0, '
          f'{100 * best[0]:.1f} % at its best threshold {best[1]:.2f}')
