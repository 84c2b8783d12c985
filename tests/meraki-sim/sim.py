#!/usr/bin/env python3
"""A Meraki Dashboard API simulator for ucfence's tests.

A real HTTPS server on loopback serving the packet-capture operations of the
Dashboard API v1 (captures, schedules, apiRequests, configurationChanges,
network events and event types) and the AutoVPN peers (appliance uplink
statuses, third-party VPN peers) from a scenario file the test rewrites
between polls. It binds --port (0: any) and writes the port it got to
--port-file.

Scenario (JSON, re-read whenever it changes; fault counters reset then):
  {"api_key_file": PATH,              # the key it accepts (Bearer)
   "captures": [...], "schedules": [...], "apiRequests": [...],
   "configurationChanges": [...], "events": {"N_1": [...]},
   "eventTypes": {"N_1": [...]},
   "uplinkStatuses": [{"serial", "networkId", "uplinks": [{"interface", "status",
                       "publicIp"}]}],   # paged forwards by position (perPage)
   "thirdPartyVPNPeers": [{"name", "publicIp", "privateSubnets"}],
   "duplicate_across_pages": bool,    # page k also repeats the last item of page k-1
   "ignore_filters": bool,            # t0, networkIds[], operationIds[]... are ignored
   "ignore_t0": bool,                 # only t0 is ignored (the client must stop paging itself)
   "foreign_next": URL_PREFIX,        # captures page 1's rel=next points there instead
   "faults": [{"match": "captures", "page": 2, "times": 1,
               "status": 429, "retry_after": 2 | "delay": 3.5 |
               "truncate": true | "malformed": true}]}
Items carry the API's own fields; schedules may carry "_network" (the
network they belong to, for networkIds[] filtering).

An organization of many networks (for the collector's tests and bench):
  "organization": {"networks": 1000, "devices_per_network": 3, "seed": 1,
                   "start": UNIX, "duration": S, "captures": N, "schedules": N,
                   "noise_changes_per_min": R, "history_changes": N,
                   "capture_keep": 10, "events": true}
generates (seeded) networks N_0001... named "Branch 0001"..., devices
Q2XX-NNNN-000D, and N captures and N schedules at random times in
[start, start + duration) on random networks, each capture with its API
request (createOrganizationDevicesPacketCaptureCapture, the same admin)
and, one in two, a configuration change and a network event about it; plus
configuration changes about other things (noise) on random networks. An
item exists once its time has come. The capture list keeps the newest
capture_keep, as the cloud does. --created writes every generated finding
with its creation time (JSON lines) at start, for latency figures.
"api_keys": {"NAME": PATH} accepts several keys; the log names the key
("key": NAME). "rate_limit": R answers 429 with Retry-After once the
organization's requests pass R per second (a token bucket of R, the
Dashboard's 10 per second per organization).

Paging is the real API's: captures and apiRequests page forwards from the
oldest entry since t0 (rel=next, startingAfter); configurationChanges and
network events list the newest entries first and page backwards in time
(rel=prev, endingBefore = the oldest timestamp on the page; rel=next,
startingAfter = the newest, leads to newer entries only), as the official
Python SDK reads them (direction "prev" by default for
getOrganizationConfigurationChanges and getNetworkEvents). A client that
follows rel=next there misses everything older than the first page.
Every answer carries an X-Request-Id header (logged as "request_id"), as
the Dashboard's do.

Every request is appended to --log as a JSON line:
  {"t": unix time, "server": NAME, "method", "path", "query", "auth":
   "none"|"valid"|"invalid", "ua": User-Agent, "status", "fault",
   "request_id"}.
The Authorization header's value is never logged. With --foreign, the server
plays a host the API key must never reach: it logs and answers 401.
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Sim:
    def __init__(self, args):
        self.args = args
        self.mtime = None
        self.scenario = {}
        self.fault_used = []
        self.key = None
        self.keys = {}
        self.org = None
        self.bucket = None

    def load(self):
        try:
            st = os.stat(self.args.scenario)
        except FileNotFoundError:
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self.mtime:
            return
        with open(self.args.scenario) as f:
            self.scenario = json.load(f)
        self.mtime = stamp
        self.fault_used = [0] * len(self.scenario.get("faults", []))
        self.key = None
        kf = self.scenario.get("api_key_file")
        if kf:
            with open(kf) as f:
                self.key = f.read().strip()
        self.keys = {}
        for name, path in self.scenario.get("api_keys", {}).items():
            with open(path) as f:
                self.keys[f.read().strip()] = name
        if self.scenario.get("organization") and self.org is None:
            self.org = Org(self.scenario["organization"])
            if self.args.created:
                with open(self.args.created + ".tmp", "w") as f:
                    for c in self.org.created:
                        f.write(json.dumps(c) + "\n")
                os.rename(self.args.created + ".tmp", self.args.created)

    def throttle(self):
        """The organization's rate limit: seconds to wait, or 0."""
        rate = self.scenario.get("rate_limit")
        if not rate:
            return 0
        now = time.monotonic()
        tokens, last = self.bucket or (rate, now)
        tokens = min(rate, tokens + (now - last) * rate)
        if tokens < 1:
            self.bucket = (tokens, now)
            return 1
        self.bucket = (tokens - 1, now)
        return 0

    def fault_for(self, path, page):
        for i, f in enumerate(self.scenario.get("faults", [])):
            if f.get("match", "") not in path:
                continue
            if "page" in f and f["page"] != page:
                continue
            if self.fault_used[i] >= f.get("times", 1):
                continue
            self.fault_used[i] += 1
            return f
        return None


def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(
        timespec="microseconds").replace("+00:00", "Z")


class Org:
    """A generated organization: networks, devices and findings over time."""

    def __init__(self, o):
        import random
        rnd = random.Random(o.get("seed", 1))
        n, per = o.get("networks", 1000), o.get("devices_per_network", 3)
        start, dur = o.get("start", time.time()), o.get("duration", 300)
        self.keep = o.get("capture_keep", 10)
        self.networks = [{"id": "N_%04d" % i, "name": "Branch %04d" % i,
                          "organizationId": "549236", "productTypes": ["appliance", "switch"]}
                         for i in range(1, n + 1)]
        self.devices = [{"serial": "Q2XX-%04d-%04d" % (i, d), "networkId": "N_%04d" % i,
                         "name": "dev-%04d-%d" % (i, d), "model": "MX67" if d == 1 else "MS120"}
                        for i in range(1, n + 1) for d in range(1, per + 1)]
        admins = [{"id": str(1000 + a), "name": "Admin %d" % a} for a in range(20)]
        self.captures, self.schedules, self.api, self.changes = [], [], [], []
        self.events, self.created = {}, []
        for k in range(o.get("captures", 0)):
            t = start + rnd.random() * dur
            i = rnd.randrange(1, n + 1)
            net, dev, adm = self.networks[i - 1], "Q2XX-%04d-0001" % i, rnd.choice(admins)
            cid = "cap-%05d" % k
            self.captures.append({"_t": t, "captureId": cid, "network": {"id": net["id"], "name": net["name"]},
                                  "device": {"serial": dev, "name": "dev-%04d-1" % i}, "admin": adm,
                                  "name": "capture %d" % k, "startTs": iso(t), "ports": "3",
                                  "status": "capturing", "destination": "upload_to_cloud",
                                  "process": "manual", "duration": 60, "interface": "wired"})
            self.api.append({"_t": t + 0.001, "adminId": adm["id"], "operationId":
                             "createOrganizationDevicesPacketCaptureCapture", "method": "POST",
                             "host": "api.meraki.com", "path": "/api/v1/organizations/549236/devices/packetCapture/captures",
                             "queryString": "", "userAgent": "python-meraki/1.50", "ts": iso(t + 0.001),
                             "responseCode": 201, "sourceIp": "198.51.100.%d" % (k % 250 + 1)})
            if k % 2 == 0:
                self.changes.append({"_t": t + 0.002, "ts": iso(t + 0.002), "adminName": adm["name"],
                                     "adminId": adm["id"], "networkId": net["id"], "networkName": net["name"],
                                     "page": "Packet capture", "label": "Packet capture started",
                                     "oldValue": "", "newValue": cid})
                self.events.setdefault(net["id"], []).append(
                    {"_t": t + 0.003, "occurredAt": iso(t + 0.003), "networkId": net["id"],
                     "type": "packet_capture_started", "description": "Packet capture started",
                     "category": "Packet capture", "deviceSerial": dev, "deviceName": "dev-%04d-1" % i})
            self.created.append({"kind": "capture", "id": cid, "t": t, "network": net["id"],
                                 "network_name": net["name"]})
        for k in range(o.get("schedules", 0)):
            t = start + rnd.random() * dur
            i = rnd.randrange(1, n + 1)
            adm = rnd.choice(admins)
            sid = "sch-%05d" % k
            self.schedules.append({"_t": t, "scheduleId": sid, "name": "weekly %d" % k, "admin": adm,
                                   "notes": "", "duration": 60, "createdAt": iso(t), "updatedAt": iso(t),
                                   "devices": [{"device": {"serial": "Q2XX-%04d-0002" % i,
                                                           "switchports": "1-3", "interface": "wired"}}],
                                   "enabled": True, "_network": "N_%04d" % i,
                                   "schedule": {"frequency": "week", "nextCaptureTs": iso(t + 86400)}})
            self.created.append({"kind": "schedule", "id": sid, "t": t, "network": "N_%04d" % i,
                                 "network_name": "Branch %04d" % i})
        noise = int(o.get("noise_changes_per_min", 0) * dur / 60)
        for k in range(noise + o.get("history_changes", 0)):
            t = start + rnd.random() * dur if k < noise else start - rnd.random() * 86400
            i = rnd.randrange(1, n + 1)
            adm = rnd.choice(admins)
            self.changes.append({"_t": t, "ts": iso(t), "adminName": adm["name"], "adminId": adm["id"],
                                 "networkId": "N_%04d" % i, "networkName": "Branch %04d" % i,
                                 "page": "Addressing & VLANs", "label": "VLAN %d subnet" % (k % 4000),
                                 "oldValue": "10.0.0.0/24", "newValue": "10.0.1.0/24"})
        self.created.sort(key=lambda c: c["t"])

    @staticmethod
    def now(items):
        t = time.time()
        return [{k: v for k, v in i.items() if k != "_t"} for i in items if i["_t"] <= t]

    def visible_captures(self):
        live = sorted(self.now(self.captures), key=lambda c: c["startTs"])
        return live[-self.keep:] if self.keep else live

    def event_types(self):
        return [{"category": "Packet capture", "type": "packet_capture_started",
                 "description": "Packet capture started"},
                {"category": "DHCP", "type": "dhcp_lease", "description": "DHCP lease"}]


def log(args, entry):
    with LOCK, open(args.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


def parse_ts(s):
    import datetime
    if not s:
        return None
    s = s.replace("Z", "+00:00")
    try:
        return datetime.datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


LINK_STYLES = [
    '<{url}>; rel={rel}',
    '<{url}>; rel="{rel}"',
    '<{url}>;REL="first {rel}"',
    ' <{url}> ; rel = "{rel}" ; title="page"',
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MerakiSim/1.0"

    def log_message(self, fmt, *a):  # quiet: the JSON log is the record
        pass

    def auth_state(self):
        h = self.headers.get("Authorization")
        if h is None:
            return "none"
        sim = self.server.sim
        if sim.keys and h.startswith("Bearer ") and h[len("Bearer "):] in sim.keys:
            return "valid"
        return "valid" if sim.key and h == "Bearer " + sim.key else "invalid"

    def send(self, status, body, headers=None, fault=None, request_id=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if fault and fault.get("truncate"):
            data = data[: max(1, len(data) // 2)]
        if fault and fault.get("malformed"):
            data = b'{"items": [{"captureId": "x", }]]'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if request_id:
            self.send_header("X-Request-Id", request_id)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def page_of(self, items, q):
        """Forward paging (captures, apiRequests): startingAfter is an index."""
        per = int(q.get("perPage", ["10"])[0])
        token = "startingAfter"
        start = int(q.get(token, ["0"])[0])
        dup = self.server.sim.scenario.get("duplicate_across_pages")
        chunk = items[start:start + per]
        if dup and start > 0:
            chunk = [items[start - 1]] + chunk
        links = []
        if start + per < len(items):
            nq = {k: v for k, v in q.items() if k not in ("startingAfter", "endingBefore")}
            nq[token] = [str(start + per)]
            url = "https://%s%s?%s" % (self.headers.get("Host"), self.path.split("?")[0],
                                       urllib.parse.urlencode(nq, doseq=True))
            page = start // per
            if page == 0 and self.server.sim.scenario.get("foreign_next") \
                    and "packetCapture/captures" in self.path:
                url = self.server.sim.scenario["foreign_next"] + "?" + \
                    urllib.parse.urlencode(nq, doseq=True)
            style = LINK_STYLES[page % len(LINK_STYLES)]
            links.append(style.format(url=url, rel="next"))
        first = "https://%s%s" % (self.headers.get("Host"), self.path.split("?")[0])
        links.insert(0, '<%s>; rel=first' % first)
        return chunk, ", ".join(links), start // per + 1

    def page_back(self, items, q, field):
        """The newest perPage entries (before endingBefore, or the oldest ones
        after startingAfter), newest first; rel=prev leads to older ones."""
        per = int(q.get("perPage", ["10"])[0])
        ts = lambda i: parse_ts(i.get(field)) or 0
        items = sorted(items, key=ts, reverse=True)
        before = parse_ts(q.get("endingBefore", [None])[0])
        after = parse_ts(q.get("startingAfter", [None])[0])
        if before is not None:
            older = [i for i in items if ts(i) < before]
            chunk = older[:per]
            if self.server.sim.scenario.get("duplicate_across_pages"):
                chunk = [i for i in items if ts(i) == before][-1:] + chunk
        elif after is not None:
            chunk = [i for i in items if ts(i) > after][-per:]
        else:
            chunk = items[:per]
        first = "https://%s%s" % (self.headers.get("Host"), self.path.split("?")[0])
        base = {k: v for k, v in q.items() if k not in ("startingAfter", "endingBefore")}
        links = ['<%s>; rel=first' % first]
        page = (items.index(chunk[-1]) // per + 1) if chunk else 1
        style = LINK_STYLES[(page - 1) % len(LINK_STYLES)]
        if chunk:
            oldest, newest = chunk[-1], chunk[0]
            if any(ts(i) < ts(oldest) for i in items):
                nq = dict(base, endingBefore=[oldest.get(field)])
                links.append(style.format(url=first + "?" + urllib.parse.urlencode(nq, doseq=True),
                                          rel="prev"))
            nq = dict(base, startingAfter=[newest.get(field)])
            links.append(style.format(url=first + "?" + urllib.parse.urlencode(nq, doseq=True),
                                      rel="next"))
        return chunk, ", ".join(links), page

    def do_GET(self):
        sim = self.server.sim
        args = self.server.args
        with LOCK:
            sim.load()
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.auth_state()
        rid = uuid.uuid4().hex
        entry = {"t": time.time(), "server": args.name, "method": "GET", "path": u.path,
                 "query": u.query, "auth": auth, "ua": self.headers.get("User-Agent"),
                 "request_id": rid}
        if sim.keys:
            h = self.headers.get("Authorization") or ""
            entry["key"] = sim.keys.get(h[len("Bearer "):] if h.startswith("Bearer ") else None)
        if args.foreign:
            entry["status"] = 401
            log(args, entry)
            return self.send(401, {"errors": ["Invalid API key"]}, request_id=rid)
        if auth != "valid":
            entry["status"] = 401
            log(args, entry)
            return self.send(401, {"errors": ["Invalid API key"]}, request_id=rid)
        with LOCK:
            wait = sim.throttle()
        if wait:
            entry["status"] = 429
            log(args, entry)
            return self.send(429, {"errors": ["API rate limit exceeded for organization"]},
                             {"Retry-After": str(wait)}, request_id=rid)
        try:
            status, body, link, page = self.route(u.path, q)
        except Exception as e:  # a simulator bug must show, not hang the client
            status, body, link, page = 500, {"errors": [repr(e)]}, None, 1
        with LOCK:
            fault = sim.fault_for(u.path, page)
        headers = {}
        if link:
            headers["Link"] = link
        if fault:
            entry["fault"] = {k: v for k, v in fault.items() if k != "times"}
            if "delay" in fault:
                time.sleep(fault["delay"])
            if "status" in fault:
                status = fault["status"]
                body = {"errors": ["simulated %d" % status]}
                headers = {}
                if "retry_after" in fault:
                    headers["Retry-After"] = str(fault["retry_after"])
        entry["status"] = status
        log(args, entry)
        try:
            self.send(status, body, headers, fault, request_id=rid)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that is the point of a delay

    def route(self, path, q):
        sc = dict(self.server.sim.scenario)
        org = self.server.sim.org
        if org:
            sc["captures"] = sc.get("captures", []) + org.visible_captures()
            sc["schedules"] = sc.get("schedules", []) + org.now(org.schedules)
            sc["apiRequests"] = sc.get("apiRequests", []) + org.now(org.api)
            sc["configurationChanges"] = sc.get("configurationChanges", []) + org.now(org.changes)
            if self.server.sim.scenario["organization"].get("events", True):
                sc["events"] = {k: org.now(v) for k, v in org.events.items()}
                sc["eventTypes"] = {"*": org.event_types()}
        parts = path.strip("/").split("/")
        if parts[:2] != ["api", "v1"]:
            return 404, {"errors": ["Not found"]}, None, 1
        parts = parts[2:]
        t0 = parse_ts(q.get("t0", [None])[0])
        nets = q.get("networkIds[]")
        serials = q.get("serials[]")
        if sc.get("ignore_filters"):  # a server that ignores them: the client must filter
            t0 = nets = serials = None
        if sc.get("ignore_t0"):
            t0 = None

        def since(items, field):
            return [i for i in items if t0 is None or (parse_ts(i.get(field)) or 0) >= t0]

        if len(parts) == 5 and parts[0] == "organizations" and parts[2:4] == ["devices", "packetCapture"]:
            if parts[4] == "captures":
                items = since(sc.get("captures", []), "startTs")
                if nets:
                    items = [i for i in items if i.get("network", {}).get("id") in nets]
                if serials:
                    items = [i for i in items if i.get("device", {}).get("serial") in serials]
                items.sort(key=lambda i: parse_ts(i.get("startTs")) or 0, reverse=True)
                chunk, link, page = self.page_of(items, q)
                return 200, {"items": chunk, "meta": {"counts": {"items": {
                    "total": len(items), "remaining": max(0, len(items) - len(chunk))}}}}, link, page
            if parts[4] == "schedules":
                items = [dict(i) for i in sc.get("schedules", [])
                         if not nets or i.get("_network") in nets]
                for i in items:
                    i.pop("_network", None)
                return 200, {"items": items, "meta": {"counts": {"items": {"total": len(items)}}}}, None, 1
        if len(parts) == 3 and parts[0] == "organizations" and parts[2] == "apiRequests":
            ops = None if sc.get("ignore_filters") else q.get("operationIds[]")
            items = [i for i in since(sc.get("apiRequests", []), "ts")
                     if not ops or i.get("operationId") in ops]
            chunk, link, page = self.page_of(items, q)
            return 200, chunk, link, page
        if len(parts) == 3 and parts[0] == "organizations" and parts[2] == "configurationChanges":
            chunk, link, page = self.page_back(since(sc.get("configurationChanges", []), "ts"), q, "ts")
            return 200, chunk, link, page
        if len(parts) == 4 and parts[0] == "networks" and parts[2:] == ["events", "eventTypes"]:
            types = sc.get("eventTypes", {})
            return 200, types.get(parts[1], types.get("*", [])), None, 1
        if len(parts) == 3 and parts[0] == "organizations" and parts[2] in ("networks", "devices"):
            items = (org.networks if parts[2] == "networks" else org.devices) if org else []
            chunk, link, page = self.page_of(items, q)
            return 200, chunk, link, page
        if len(parts) == 3 and parts[0] == "networks" and parts[2] == "events":
            types = None if sc.get("ignore_filters") else q.get("includedEventTypes[]")
            items = [e for e in sc.get("events", {}).get(parts[1], [])
                     if not types or e.get("type") in types]
            chunk, link, page = self.page_back(items, q, "occurredAt")
            times = [e.get("occurredAt") for e in chunk]
            return 200, {"message": None, "pageStartAt": min(times) if times else None,
                         "pageEndAt": max(times) if times else None, "events": chunk}, link, page
        if len(parts) == 5 and parts[0] == "organizations" and parts[2:] == ["appliance", "uplink", "statuses"]:
            # paged forwards by position (startingAfter = the last serial of a page)
            items = sc.get("uplinkStatuses", [])
            per = int(q.get("perPage", ["1000"])[0])
            after = q.get("startingAfter", [None])[0]
            start = 0
            if after is not None:
                serials_ = [i.get("serial") for i in items]
                start = serials_.index(after) + 1 if after in serials_ else len(items)
            chunk = items[start:start + per]
            page = start // max(per, 1) + 1
            link = None
            if start + per < len(items) and chunk:
                first = "https://%s%s" % (self.headers.get("Host"), self.path.split("?")[0])
                nq = {k: v for k, v in q.items() if k != "startingAfter"}
                nq["startingAfter"] = [chunk[-1].get("serial")]
                link = "<%s?%s>; rel=next" % (first, urllib.parse.urlencode(nq, doseq=True))
            return 200, chunk, link, page
        if len(parts) == 5 and parts[0] == "organizations" and parts[2:] == ["appliance", "vpn", "thirdPartyVPNPeers"]:
            return 200, {"peers": sc.get("thirdPartyVPNPeers", [])}, None, 1
        return 404, {"errors": ["Not found"]}, None, 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--name", default="api")
    ap.add_argument("--foreign", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--created", help="organization: write the generated findings here")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    args = ap.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True  # a restart on the same port
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    srv.daemon_threads = True
    srv.sim = Sim(args)
    srv.args = args
    with LOCK:
        srv.sim.load()  # an organization's findings (and --created) from the start
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
