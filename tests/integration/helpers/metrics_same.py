#!/usr/bin/env python3
"""metrics_same.py TEXT JSONL [SKIP...]: the series of a Prometheus text
exposition (TEXT) and of "maintctl --json metrics" (JSONL, one object a
line) are the same: each series of the text is in the JSON with the
same labels and value, and nothing else is.  Series named in SKIP (the
host's load and memory, which move between two looks) are left out.
Says what differs; exits 0 when nothing does, 1 when something does."""
import json
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(s):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n'
                  else m.group(1), s)


def text_series(path):
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('#') or line == '':
                continue
            m = SAMPLE.match(line)
            if m is None:
                raise SystemExit('not a sample line: %r' % line)
            labels = {}
            body = m.group(3) or ''
            pos = 0
            while pos < len(body):
                lm = LABEL.match(body, pos)
                if lm is None:
                    raise SystemExit('bad labels: %r' % line)
                labels[lm.group(1)] = unescape(lm.group(2))
                pos = lm.end()
            key = (m.group(1), tuple(sorted(labels.items())))
            out[key] = float(m.group(4))
    return out


def json_series(path):
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            o = json.loads(line)
            key = (o['name'], tuple(sorted(o['labels'].items())))
            if key in out:
                raise SystemExit('twice in the JSON: %r' % (key,))
            out[key] = float(o['value'])
            for k in ('type', 'help'):
                if not isinstance(o.get(k), str) or not o[k]:
                    raise SystemExit('no %s: %s' % (k, line))
    return out


def main():
    text = text_series(sys.argv[1])
    js = json_series(sys.argv[2])
    skip = set(sys.argv[3:])
    text = {k: v for k, v in text.items() if k[0] not in skip}
    js = {k: v for k, v in js.items() if k[0] not in skip}
    bad = 0
    for k, v in sorted(text.items()):
        if k not in js:
            print('only in the text: %s %s' % (k, v))
            bad += 1
        elif js[k] != v:
            print('%s: text %s, JSON %s' % (k, v, js[k]))
            bad += 1
    for k in sorted(set(js) - set(text)):
        print('only in the JSON: %s %s' % (k, js[k]))
        bad += 1
    print('%d series, %d differ' % (len(text), bad))
    sys.exit(1 if bad or not text else 0)


main()
