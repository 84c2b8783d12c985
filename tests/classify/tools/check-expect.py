#!/usr/bin/env python3
"""Check expect files against their captures (format, vocabulary, flow coverage).

Usage: check-expect.py [EXPECT_DIR] [PCAP_DIR ...]
Defaults: ../expect next to this script; tests/data/pcaps/ndpi and tests/data/pcaps/ndpi-nonuc.
Prints "PASS: X" / "FAIL: X: reason" per capture and exits non-zero on any failure.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flows import flows  # noqa: E402

CLASSES = {'sip', 'sip-tls', 'sccp', 'rtp-learned', 'rtp', 'rtcp', 'stun', 'dtls', 'tftp',
           'meraki-cloud', 'autovpn', 'h323', 'mgcp', 'iax', 'bfcp'}


def parse_endpoint(s):
    if s.startswith('['):
        host, _, port = s[1:].partition(']:')
        fam = socket.AF_INET6
    else:
        host, _, port = s.rpartition(':')
        fam = socket.AF_INET
    canon = socket.inet_ntop(fam, socket.inet_pton(fam, host))
    if canon != host:
        raise ValueError(f'non-canonical address {host} (inet_ntop: {canon})')
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'bad port in {s}')
    return s


def parse(path):
    lines, rest = [], False
    for n, raw in enumerate(open(path), 1):
        line = raw.split('#', 1)[0].strip()
        if not line:
            continue
        t = line.split()
        if t == ['rest', 'non-target']:
            rest = True
            continue
        if len(t) != 5:
            raise ValueError(f'line {n}: expected 5 fields, got {t}')
        proto, a, b, verdict, cls = t
        if proto not in ('udp', 'tcp'):
            raise ValueError(f'line {n}: bad proto {proto}')
        parse_endpoint(a), parse_endpoint(b)
        if verdict == 'target' and cls not in CLASSES:
            raise ValueError(f'line {n}: bad target class {cls}')
        if verdict == 'non-target' and cls != 'other':
            raise ValueError(f'line {n}: non-target class must be other')
        if verdict not in ('target', 'non-target'):
            raise ValueError(f'line {n}: bad verdict {verdict}')
        if '#' not in raw:
            raise ValueError(f'line {n}: no comment with the evidence')
        lines.append(((proto,) + tuple(sorted([a, b])), verdict, cls, n))
    return lines, rest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    exp_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', 'expect')
    data = os.path.join(here, '..', '..', 'data', 'pcaps')
    pcap_dirs = sys.argv[2:] or [os.path.join(data, 'ndpi'), os.path.join(data, 'ndpi-nonuc')]
    bad = 0
    for d in pcap_dirs:
        for name in sorted(os.listdir(d)):
            if name.endswith('.out') or '.pcap' not in name:
                continue
            exp = os.path.join(exp_dir, name + '.expect')
            try:
                if not os.path.exists(exp):
                    raise ValueError('no expect file')
                lines, rest = parse(exp)
                fl = flows(os.path.join(d, name))
                seen = {}
                for key, verdict, cls, n in lines:
                    if key in seen:
                        raise ValueError(f'line {n}: flow listed twice (also line {seen[key]})')
                    seen[key] = n
                    if key not in fl:
                        raise ValueError(f'line {n}: flow {key} not in capture')
                missing = [k for k in fl if k not in seen]
                if missing and not rest:
                    raise ValueError(f'{len(missing)} flows not listed, e.g. {missing[0]}')
                print(f'PASS: {name} ({len(lines)} lines / {len(fl)} flows{", rest non-target" if rest else ""})')
            except Exception as e:  # report and go on
                bad += 1
                print(f'FAIL: {name}: {e}')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
