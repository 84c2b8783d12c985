#!/usr/bin/env python3
"""On paper: how many sites of one organization can poll the Dashboard API
every 60 s before they reach half of the organization's 10 requests/s?

Model (what ucfence does): each site's watcher makes CALLS calls per cycle
(captures, schedules, apiRequests, configurationChanges, events: 5 for a site
with one network, nothing to page), spaced by its call budget (2/second ->
0.5 s apart), cycles every 60 s plus up to 10% jitter, first cycle at a
random phase. The organization's limit is a token bucket of 10/s with a burst
of 10, shared with every other application; our share is half: 5/s, burst 5.

For N sites it reports the mean rate, the busiest second, and how many calls
would find the half-budget bucket empty (they would be throttled if the
other half were in use), over HOURS simulated hours and several seeds.
Usage: meraki_budget.py [--calls 5] [--interval 60] [--hours 6] [--seeds 5]"""
import argparse
import random


def simulate(n_sites, calls, interval, spacing, hours, seed, rate=5.0, burst=5.0):
    rnd = random.Random(seed)
    horizon = hours * 3600.0
    times = []
    for _ in range(n_sites):
        t = rnd.uniform(0, interval)
        while t < horizon:
            times.extend(t + k * spacing for k in range(calls))
            t += interval + rnd.uniform(0, interval / 10)
    times.sort()
    per_second = {}
    for t in times:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    peak = max(per_second.values()) if per_second else 0
    return len(times) / horizon, peak, bucket(times, rate, burst), bucket(times, 10.0, 10.0), len(times)


def bucket(times, rate, burst):
    """Calls that find a token bucket (rate/s, burst) empty."""
    tokens, last, starved = burst, 0.0, 0
    for t in times:
        tokens = min(burst, tokens + (t - last) * rate)
        last = t
        if tokens >= 1:
            tokens -= 1
        else:
            starved += 1
    return starved


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--spacing", type=float, default=0.5)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    print("calls/cycle=%d interval=%.0fs spacing=%.1fs; half budget = 5/s (burst 5)" %
          (a.calls, a.interval, a.spacing))
    print("%6s %10s %12s %22s %22s" % ("sites", "mean req/s", "peak in 1 s",
                                        "over half (5/s, b5)", "over all (10/s, b10)"))
    limit_mean = 5.0 * a.interval / a.calls
    last_clean = 0
    for n in (1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80):
        runs = [simulate(n, a.calls, a.interval, a.spacing, a.hours, s) for s in range(a.seeds)]
        mean = sum(r[0] for r in runs) / len(runs)
        peak = max(r[1] for r in runs)
        starved = sum(r[2] for r in runs)
        starved_all = sum(r[3] for r in runs)
        total = sum(r[4] for r in runs)
        if starved == 0:
            last_clean = n
        print("%6d %10.2f %12d %22s %22s" % (n, mean, peak,
              "%d (%.3f%%)" % (starved, 100.0 * starved / total),
              "%d (%.3f%%)" % (starved_all, 100.0 * starved_all / total)))
    print("mean-rate limit: %.0f sites (5 req/s / (%d calls / %.0f s))" % (limit_mean, a.calls, a.interval))
    print("no call ever over the half budget up to: %d sites (of those tried)" % last_clean)
    print("1,000 sites polling per site: %.1f req/s = %.1fx the whole organization's 10/s" %
          (1000 * a.calls / a.interval, 1000 * a.calls / a.interval / 10))


if __name__ == "__main__":
    main()
