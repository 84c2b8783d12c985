#!/usr/bin/env python3
"""Figures of a collector's run against the simulator's organization.

usage: figures.py --created F --spool F --log F [--sites F] [--key NAME]
                  [--since UNIX] [--until UNIX]
Prints one JSON object: for captures and schedules, how many were created,
alerted exactly once, never, more than once, or with another site than
expected (meraki.sites' entry for the network, else the network's name);
detection latency (creation in the simulator -> the alert's time in the
spool) median, p95 and max; the key's requests (count, per second over
[since, until], by path) and the 429s it got; the requests of every other
key in the same window."""
import argparse
import collections
import datetime
import json
import sys


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--created", required=True)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--sites")
    ap.add_argument("--key", default="collector")
    ap.add_argument("--since", type=float, default=0)
    ap.add_argument("--until", type=float, default=1e12)
    a = ap.parse_args()
    sites = json.load(open(a.sites)) if a.sites else {}
    created = [json.loads(l) for l in open(a.created)]
    alerts = []
    for line in open(a.spool):
        try:
            alerts.append(json.loads(line))
        except ValueError:
            pass
    by = collections.defaultdict(list)
    for al in alerts:
        d = al.get("details", {})
        if al["kind"] == "packet-capture":
            by[("capture", d.get("capture_id"))].append(al)
        elif al["kind"] == "capture-schedule":
            by[("schedule", d.get("schedule_id"))].append(al)
    out = {}
    lat = []
    for kind in ("capture", "schedule"):
        r = {"created": 0, "once": 0, "missing": [], "repeated": [], "wrong_site": []}
        for c in created:
            if c["kind"] != kind:
                continue
            r["created"] += 1
            got = by.get((kind, c["id"]), [])
            if not got:
                r["missing"].append(c["id"])
                continue
            if len(got) > 1:
                r["repeated"].append(c["id"])
            else:
                r["once"] += 1
            want = sites.get(c["network"], c["network_name"])
            if any(g["site"] != want for g in got):
                r["wrong_site"].append([c["id"], want, got[0]["site"]])
            lat.append(ts(got[0]["time"]) - c["t"])
        out[kind + "s"] = r
    out["latency_s"] = {"n": len(lat), "median": pct(lat, 50), "p95": pct(lat, 95),
                        "max": max(lat) if lat else None}
    reqs = [json.loads(l) for l in open(a.log)]
    if not a.since:
        a.since = min([r["t"] for r in reqs if r.get("key") == a.key] or [0])
    win = [r for r in reqs if a.since <= r["t"] <= a.until]
    mine = [r for r in win if r.get("key") == a.key]
    span = max(1e-9, min(a.until, max([r["t"] for r in reqs] or [a.since])) - a.since)
    paths = collections.Counter(r["path"].split("/")[-1] for r in mine)
    out["requests"] = {"count": len(mine), "per_s": len(mine) / span, "span_s": span,
                       "throttled": sum(1 for r in mine if r.get("status") == 429),
                       "by_path": dict(paths)}
    others = collections.Counter(str(r.get("key")) for r in win if r.get("key") != a.key)
    out["other_keys"] = dict(others)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    sys.exit(main())
