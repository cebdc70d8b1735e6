#!/usr/bin/env python3
"""Generate docs/ddi-coverage.md: every DDI / SCSA function the spec names,
whether ddisim implements it, and which tests call it.

  python3 scripts/ddi_coverage.py [--spec PATH] [--out PATH] [--check]

Sources of truth (nothing in the table is typed by hand):
  functions  every identifier with a DDI prefix (ddi_, i_ddi_, scsi_, tran_,
             bus_dma_) that the spec (/work/shared/ddi-dma-spec.md, or
             docs/ddi-dma-spec.md if present) writes as code or calls, minus
             NOT_FUNCTIONS below (types, fields, tunables, file names);
  status     implemented  declared in a header under sw/include or sw/
                          (ddi/scsi) and defined or used in a sw/ source;
             hook         a tran_* / bus_dma_* entry point: a member of a
                          structure the framework calls through;
             internal     found in sw/ sources but in no public header;
             absent       nowhere in sw/;
  tests      the TEST_CASEs under testbench/tests whose body (or whose file's
             helpers, before the first TEST_CASE) mention the function as a
             call (name followed by '(') or, for hooks, by name.
--check exits 1 when the generated text differs from the file (for CI).
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = r'(?:i_ddi|ddi|scsi|bus_dma|tran)_[a-z0-9_]+'

# Identifiers the spec writes in code spans that are not functions.
NOT_FUNCTIONS = {
    'ddi_dma_': 'prefix', 'ddi_dma_attr': 'structure', 'ddi_dma_cookie': 'structure',
    'ddi_dma_ctlops': 'enum', 'ddi_dma_req': 'structure', 'ddi_impl': 'file', 'ddi_impldefs': 'file',
    'scsi_callback_id': 'variable', 'scsi_confsubr': 'file', 'scsi_hba': 'file', 'scsi_resource': 'file',
    'scsi_max_phys_addr': 'tunable', 'scsi_sgl_size': 'tunable', 'scsi_pkt': 'structure',
    'scsi_pkt_cache_wrapper': 'structure', 'scsi_alloc_attr': 'attribute table',
    'tran_dma_attr': 'field', 'tran_hba_flags': 'field', 'tran_hba_len': 'field', 'tran_pkt_cache_ptr': 'field',
}

# The spec's nexus bus operations: ddisim has one nexus (the x86 rootnex, no
# bus-op table); each op is the rootnex function of the same role.
BUS_OPS = {
    'bus_dma_allochdl': 'rootnex_allochdl', 'bus_dma_freehdl': 'rootnex_freehdl',
    'bus_dma_bindhdl': 'rootnex_bindhdl', 'bus_dma_unbindhdl': 'rootnex_unbindhdl',
    'bus_dma_flush': 'rootnex_sync', 'bus_dma_win': 'rootnex_win', 'bus_dma_ctl': 'ddi_dma_mctl',
    'bus_dma_map': 'ddi_dma_map',
}

GROUPS = [
    ('DDI DMA functions (spec §3)', lambda n, s: n.startswith('ddi_') and not s.startswith('6')),
    ('Obsolete interfaces (spec §6)', lambda n, s: s.startswith('6') and not n.startswith('i_ddi_')),
    ('SCSA (spec §7, §5)', lambda n, s: n.startswith('scsi_')),
    ('HBA entry points, tran_* (spec §1.9, §7)', lambda n, s: n.startswith('tran_')),
    ('Nexus bus operations (spec §3.16)', lambda n, s: n.startswith('bus_dma_')),
    ('Framework internals named by the spec', lambda n, s: n.startswith('i_ddi_')),
]


PRIORITY = ['3', '7', '6', '5'] # where a function is described, best first


def spec_functions(spec_text):
    """name -> the spec section that describes it: the section whose heading
    names it, else the first of §3, §5, §6, §7 that mentions it, else the
    first section after §0 that does."""
    mentions = {}
    heading = {}
    sec = '0'
    for line in spec_text.splitlines():
        m = re.match(r'^##+ (\d+(?:\.\d+)?)', line)
        if m:
            sec = m.group(1)
        found = []
        for span in re.findall(r'`([^`]+)`', line):
            found += re.findall(r'\b(' + PREFIX + r')\b', span)
        found += re.findall(r'\b(' + PREFIX + r')\s*\(', line)
        for n in found:
            if n.endswith('_t') or n in NOT_FUNCTIONS:
                continue
            mentions.setdefault(n, []).append(sec)
            if m and sec.startswith('3.'):
                heading.setdefault(n, sec)
    names = {}
    for n, secs in mentions.items():
        main = sorted((s for s in secs if s.split('.')[0] in PRIORITY), key=lambda s: PRIORITY.index(s.split('.')[0]))
        later = [s for s in secs if s != '0']
        names[n] = heading.get(n) or (main or later or secs)[0]
    return names


def read_tree(top, exts):
    out = {}
    for dirpath, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith(exts):
                p = os.path.join(dirpath, f)
                with open(p, encoding='utf-8', errors='replace') as fh:
                    out[os.path.relpath(p, ROOT)] = fh.read()
    return out


def status(name, headers, sources):
    if name in BUS_OPS:
        st = status(BUS_OPS[name], headers, sources)
        return f'{st} as `{BUS_OPS[name]}`' if st != 'absent' else 'absent'
    call = re.compile(r'\b' + re.escape(name) + r'\s*\(')
    word = re.compile(r'\b' + re.escape(name) + r'\b')
    if name.startswith(('tran_', 'bus_dma_')):
        member = re.compile(r'\(\s*\*\s*' + re.escape(name) + r'\s*\)|[.>]' + re.escape(name) + r'\b')
        if any(member.search(t) or word.search(t) for t in headers.values()):
            return 'hook'
        return 'internal' if any(word.search(t) for t in sources.values()) else 'absent'
    in_header = any(call.search(t) for t in headers.values())
    in_source = any(call.search(t) for t in sources.values())
    if in_header and in_source:
        return 'implemented'
    if in_source or in_header:
        return 'internal'
    return 'absent'


def test_cases(tests):
    """[(area, file, case name or None for helpers, body text)]"""
    out = []
    tc = re.compile(r'TEST_CASE\s*\(\s*"((?:[^"\\]|\\.)*)"')
    for path, text in tests.items():
        parts = path.split(os.sep)
        area = parts[2] if len(parts) > 3 else '?'
        ms = list(tc.finditer(text))
        out.append((area, path, None, text[:ms[0].start()] if ms else text))
        for i, m in enumerate(ms):
            end = ms[i + 1].start() if i + 1 < len(ms) else len(text)
            out.append((area, path, m.group(1), text[m.start():end]))
    return out


def callers(name, cases):
    name = BUS_OPS.get(name, name)
    pat = re.compile(r'\b' + re.escape(name) + (r'\b' if name.startswith('tran_') else r'\s*\('))
    helper_files = {p for a, p, c, body in cases if c is None and pat.search(body)}
    hits = []
    for area, path, case, body in cases:
        if case is None:
            continue
        if pat.search(body) or path in helper_files:
            hits.append((area, path, case))
    return hits


def render(spec_path, names, headers, sources, cases):
    rows = {}
    for n, sec in names.items():
        rows[n] = (sec, status(n, headers, sources), callers(n, cases))
    lines = [
        '# DDI coverage',
        '',
        'Every DDI and SCSA function that the DMA specification (`ddi-dma-spec.md`) names, whether ddisim',
        'implements it, and the tests that call it. **Generated** by `scripts/ddi_coverage.py` from the',
        'specification, the sources under `sw/` and the tests under `testbench/tests/`; do not edit by hand.',
        'Regenerate after changing any of them:',
        '',
        '    python3 scripts/ddi_coverage.py            # rewrites docs/ddi-coverage.md',
        '    python3 scripts/ddi_coverage.py --check    # exit 1 if the file is out of date',
        '',
        'Status: **implemented** = declared in a header and defined in `sw/`; **hook** = an HBA entry point',
        '(`tran_*`) or nexus bus operation (`bus_dma_*`), a member the framework calls through;',
        '**internal** = present in `sw/` but not in a public header; **absent** = not in `sw/`.',
        'A nexus bus operation is the `rootnex_*` function of the same role (ddisim has one nexus, no bus-op table).',
        'Tests: CTest names are `<area>:<case>`; the column lists areas and files with the number of test',
        'cases that call the function **directly** (a helper before the first TEST_CASE counts for every case',
        'of its file); tests that reach it through a driver (dmacdrv, storage, platform, coverify) are not counted.',
        'How each function behaves is in [ddi.md](ddi.md) and [scsa.md](scsa.md).',
        '',
    ]
    total = {'implemented': 0, 'hook': 0, 'internal': 0, 'absent': 0}
    kind = lambda st: st.split(' ')[0]
    untested = []
    seen = set()
    for title, pred in GROUPS:
        group = sorted(n for n, (sec, _, _) in rows.items() if n not in seen and pred(n, sec))
        if not group:
            continue
        seen.update(group)
        lines += ['## ' + title, '', '| Function | Spec § | Status | Tests (cases) | Test files |', '|---|---|---|---|---|']
        for n in group:
            sec, st, hits = rows[n]
            total[kind(st)] += 1
            files = {}
            for area, path, _ in hits:
                files.setdefault((area, os.path.basename(path)), 0)
                files[(area, os.path.basename(path))] += 1
            ftxt = ', '.join(f'{a}/{f} ({c})' for (a, f), c in sorted(files.items())) or '—'
            if not hits and kind(st) != 'absent' and n not in BUS_OPS:
                untested.append(n)
            lines.append(f'| `{n}` | {sec} | {st} | {len(hits)} | {ftxt} |')
        lines.append('')
    rest = sorted(set(rows) - seen)
    if rest:
        lines += ['## Other', '']
        lines += [f'- `{n}` (§{rows[n][0]}): {rows[n][1]}' for n in rest]
        lines.append('')
    lines += ['## Summary', '',
              f'{len(rows)} functions: ' + ', '.join(f'{v} {k}' for k, v in total.items()) + '.',
              '']
    if untested:
        lines += ['Implemented but called by no test: ' + ', '.join(f'`{n}`' for n in untested) + '.', '']
    else:
        lines += ['Every implemented function is called by at least one test.', '']
    lines += ['The `rootnex_*` functions behind the bus operations are reached through the `ddi_dma_*` calls of',
              'every DDI test; no test calls them by name.', '']
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_spec = os.path.join(ROOT, 'docs', 'ddi-dma-spec.md')
    if not os.path.exists(default_spec):
        default_spec = '/work/shared/ddi-dma-spec.md'
    ap.add_argument('--spec', default=default_spec)
    ap.add_argument('--out', default=os.path.join(ROOT, 'docs', 'ddi-coverage.md'))
    ap.add_argument('--check', action='store_true')
    a = ap.parse_args()
    with open(a.spec, encoding='utf-8') as fh:
        names = spec_functions(fh.read())
    sw = read_tree(os.path.join(ROOT, 'sw'), ('.h', '.cpp'))
    headers = {p: t for p, t in sw.items() if p.endswith('.h')}
    sources = {p: t for p, t in sw.items() if p.endswith('.cpp')}
    cases = test_cases(read_tree(os.path.join(ROOT, 'testbench', 'tests'), ('.cpp',)))
    text = render(a.spec, names, headers, sources, cases)
    if a.check:
        old = open(a.out, encoding='utf-8').read() if os.path.exists(a.out) else ''
        if old != text:
            print(f'{a.out} is out of date: run python3 scripts/ddi_coverage.py', file=sys.stderr)
            return 1
        return 0
    with open(a.out, 'w', encoding='utf-8') as fh:
        fh.write(text)
    print(f'wrote {a.out}: {len(names)} functions')
    return 0


if __name__ == '__main__':
    sys.exit(main())
