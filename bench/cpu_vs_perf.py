#!/usr/bin/env python3
"""The CPU profile against perf on the same run: do the top functions agree?

Runs `coroscope run WORKLOAD` under `perf record -g` and compares, for the loop thread (the main
thread of `coroscope run`), each function's share of the samples: perf's first user-space frame
of each sample (kernel time is charged to the function that entered the kernel, as Coroscope's
sampler does) against the JSON report's loop.cpu_profile.top_functions self counts.

Usage: bench/cpu_vs_perf.py [BUILD_DIR] [WORKLOAD]   (perf must be installed and allowed)
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

build = sys.argv[1] if len(sys.argv) > 1 else 'build/dev'
workload = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), 'workloads', 'cpu-mix.js')
tmp = tempfile.mkdtemp()
data, report = os.path.join(tmp, 'perf.data'), os.path.join(tmp, 'report.json')
subprocess.run(['perf', 'record', '-q', '-g', '-F', '1000', '-o', data, '--',
                os.path.join(build, 'app', 'coroscope'), 'run', workload, '--session',
                os.path.join(tmp, 'run.coroscope'), '--report', report],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
script = subprocess.run(['perf', 'script', '-i', data, '-F', 'tid,ip,sym,dso'], check=True,
                        capture_output=True, text=True).stdout

def normalize(name):
    # perf prints a function without its parameters, Coroscope with: compare the names alone.
    name = re.sub(r'\+0x[0-9a-f]+$', '', name)
    name = re.sub(r'\(.*\)( const)?$', '', name)
    return name.lstrip('_').replace('GI_', '')

samples, current = [], None
for line in script.split('\n'):
    if not line.strip():
        if current:
            samples.append(current)
        current = None
    elif not line[0].isspace():
        current = (line.split()[0], [])
    elif current:
        current[1].append(line.strip())
main = min({int(tid) for tid, _ in samples})
perf = collections.Counter()
for tid, frames in samples:
    if int(tid) != main:
        continue
    for frame in frames:
        if '[kernel.kallsyms]' in frame:
            continue
        m = re.match(r'[0-9a-f]+ (.*?) \((.*)\)$', frame)
        sym, dso = (m.group(1), m.group(2)) if m else (frame, '')
        if sym == '[unknown]' and dso.startswith('/memfd:'):
            sym = '?? [anonymous code, JIT]'  # what Coroscope calls code in no file's mapping
        elif sym == '[unknown]':
            sym = '?? [' + re.sub(r'\.so\.(\d+).*', r'.so.\1', dso.split('/')[-1]) + ']'
        perf[normalize(sym)] += 1
        break
perfTotal = sum(perf.values())
profile = json.load(open(report))['loop']['cpu_profile']
ours = collections.Counter()
for f in profile['top_functions']:
    ours[normalize(f['function'])] += f['self']
oursTotal = profile['samples']
top = [name for name, _ in ours.most_common(8)]
print(f'perf_samples: {perfTotal}')
print(f'coroscope_samples: {oursTotal}')
print(f'{"function":60} {"perf %":>7} {"ours %":>7}')
for name in top:
    print(f'{name[:60]:60} {100 * perf[name] / perfTotal:7.2f} {100 * ours[name] / oursTotal:7.2f}')
common = sum(1 for name in top if perf[name] > 0)
print(f'top8_found_by_perf: {common}/8')
# perf names code inlined into a function by that function (its symbol table has no inline
# information); Coroscope names the inlined function, under its caller. perf's own top 8:
print(f'{"perf top 8":60} {"perf %":>7} {"ours %":>7}')
for name, count in perf.most_common(8):
    print(f'{name[:60]:60} {100 * count / perfTotal:7.2f} {100 * ours[name] / oursTotal:7.2f}')
