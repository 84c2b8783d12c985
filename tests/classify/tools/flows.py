#!/usr/bin/env python3
"""List the bidirectional UDP/TCP flows of a capture the way the expect files key them.

Usage: flows.py CAPTURE [-v]

A flow is (proto, {ip:port, ip:port}) taken from the OUTERMOST IP header and the first
UDP/TCP header after it (link layers such as VLAN and PPPoE are skipped by tshark).
Tunnels (GTP-U, ...) are not decapsulated. Packets whose first transport is ICMP/ICMPv6
(including the IP/UDP header quoted inside ICMP errors) are ignored. IPv6 addresses are
printed as inet_ntop() prints them, in brackets. Endpoint order = first packet's src, dst.
"""
import collections
import socket
import subprocess
import sys

FIELDS = ['frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
          'udp.srcport', 'udp.dstport', 'tcp.srcport', 'tcp.dstport', '_ws.col.Protocol', '_ws.col.Info']


def canon_ip(a):
    if ':' in a:
        return '[' + socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, a)) + ']'
    return socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, a))


def flows(path):
    cmd = ['tshark', '-r', path, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    fl = collections.OrderedDict()
    for line in out.splitlines():
        v = (line.split('\t') + [''] * len(FIELDS))[:len(FIELDS)]
        num, protos, s4, d4, s6, d6, us, ud, ts, td, col, info = v
        tr = next((p for p in protos.split(':') if p in ('udp', 'tcp', 'icmp', 'icmpv6')), None)
        if tr not in ('udp', 'tcp'):
            continue
        src, dst = canon_ip(s4 or s6), canon_ip(d4 or d6)
        sp, dp = (us, ud) if tr == 'udp' else (ts, td)
        a, b = f'{src}:{sp}', f'{dst}:{dp}'
        key = (tr,) + tuple(sorted([a, b]))
        e = fl.setdefault(key, dict(proto=tr, a=a, b=b, first=int(num), n_ab=0, n_ba=0,
                                    cols=collections.Counter(), info=[]))
        e['n_ab' if a == e['a'] else 'n_ba'] += 1
        e['cols'][col] += 1
        if len(e['info']) < 3:
            e['info'].append(f'#{num} {col}: {info[:100]}')
    return fl


def main():
    fl = flows(sys.argv[1])
    for i, e in enumerate(fl.values(), 1):
        print(f"{i:3d} {e['proto']} {e['a']} {e['b']}  pkts={e['n_ab']}/{e['n_ba']} first=#{e['first']} {dict(e['cols'])}")
        if '-v' in sys.argv:
            for x in e['info']:
                print('       ', x)


if __name__ == '__main__':
    main()
