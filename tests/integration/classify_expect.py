#!/usr/bin/env python3
"""Compares `ucfence classify --json` with the hand-checked expectations.

For every capture in tests/data/pcaps/{ndpi,ndpi-nonuc}
this runs $UCFENCE classify --json and checks:
  - the run succeeds (under ASan/UBSan when $UCFENCE is the sanitizer build);
  - every flow listed in tests/classify/expect/<capture>.expect exists with
    that verdict and class; flows not listed are errors, unless the file
    ends with `rest non-target`, then they must be non-target;
  - captures in ndpi-nonuc/ produce no target flow at all;
  - every capture has an expectation file.
Prints one PASS:/FAIL: line per capture (and per check that is not per file).
"""
import ipaddress
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


PCAPS = os.path.join(REPO, "tests", "data", "pcaps")
EXPECT = os.path.join(REPO, "tests", "classify", "expect")
UCFENCE = os.environ.get("UCFENCE") or os.path.join(REPO, "ucfence")


def endpoint(text):
    """'1.2.3.4:5' or '[v6]:5' -> (ip_address, port), canonical."""
    host, _, port = text.rpartition(":")
    if host.startswith("["):
        host = host[1:-1]
    return (ipaddress.ip_address(host), int(port))


def flow_key(proto, a, b):
    return (proto.lower(), frozenset((endpoint(a), endpoint(b))))


def read_expect(path):
    flows, rest = {}, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            body = line.split("#", 1)[0].split()
            if not body:
                continue
            if body[0] == "rest":
                rest = " ".join(body[1:])
                continue
            if len(body) != 5:
                raise ValueError(f"{path}:{n}: expected PROTO A B VERDICT CLASS")
            proto, a, b, verdict, cls = body
            flows[flow_key(proto, a, b)] = (verdict, cls, n)
    return flows, rest


def classify(path):
    r = subprocess.run([UCFENCE, "classify", "--json", path], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"exit {r.returncode}: {r.stderr.strip()[-2000:]}")
    if r.stderr.strip():
        raise RuntimeError(f"stderr: {r.stderr.strip()[-2000:]}")
    return json.loads(r.stdout)


def check(capture, nonuc):
    name = os.path.basename(capture)
    out = classify(capture)
    if set(out) != {"flows", "summary", "risks"}:
        return [f"top-level keys {sorted(out)}"]
    errors = []
    got = {}
    for fl in out["flows"]:
        if set(fl) != {"proto", "src", "dst", "packets", "bytes", "verdict", "class", "reason"}:
            errors.append(f"flow keys {sorted(fl)}")
        got.setdefault(flow_key(fl["proto"], fl["src"], fl["dst"]), []).append(fl)
    if nonuc:
        for rows in got.values():
            for fl in rows:
                if fl["verdict"] != "non-target":
                    errors.append(f"non-UC capture has a target flow: {fl['proto']} {fl['src']} "
                                  f"{fl['dst']} {fl['class']} ({fl['reason']})")
    exp_path = os.path.join(EXPECT, name + ".expect")
    if not os.path.exists(exp_path):
        return errors + [f"no expectation file {exp_path}"]
    expected, rest = read_expect(exp_path)
    for key, (verdict, cls, line) in expected.items():
        rows = got.get(key)
        what = f"line {line}: {key[0]} " + " ".join(
            f"{ip}:{port}" for ip, port in sorted(key[1], key=str))
        if not rows:
            errors.append(f"{what}: flow missing from the output")
            continue
        for fl in rows:
            if (fl["verdict"], fl["class"]) != (verdict, cls):
                errors.append(f"{what}: expected {verdict} {cls}, got {fl['verdict']} "
                              f"{fl['class']} ({fl['reason']})")
    for key, rows in got.items():
        if key in expected:
            continue
        for fl in rows:
            if rest == "non-target":
                if fl["verdict"] != "non-target":
                    errors.append(f"unlisted flow must be non-target: {fl['proto']} {fl['src']} "
                                  f"{fl['dst']} is {fl['class']} ({fl['reason']})")
            else:
                errors.append(f"flow not in the expectation: {fl['proto']} {fl['src']} "
                              f"{fl['dst']} {fl['verdict']} {fl['class']}")
    return errors


def main():
    failed = 0
    if not os.path.isdir(PCAPS):
        print(f"FAIL: classify-expect: no captures at {PCAPS}")
        return 1
    for sub in ("ndpi", "ndpi-nonuc"):
        d = os.path.join(PCAPS, sub)
        caps = sorted(f for f in os.listdir(d) if f.endswith((".pcap", ".pcapng")))
        if not caps:
            print(f"FAIL: classify-expect: no captures in {d}")
            failed += 1
        for cap in caps:
            try:
                errors = check(os.path.join(d, cap), sub == "ndpi-nonuc")
            except Exception as e:  # a crash or a sanitizer report is a failure
                errors = [str(e)]
            if errors:
                failed += 1
                print(f"FAIL: classify {sub}/{cap}")
                for e in errors:
                    print(f"    {e}")
            else:
                print(f"PASS: classify {sub}/{cap}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
