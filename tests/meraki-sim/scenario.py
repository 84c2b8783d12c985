#!/usr/bin/env python3
"""Writes the simulator's scenario for one step of tests/integration/meraki.sh
(first, again, new, foreign, badkey, daemon, down) or meraki_sources.sh
(src1, src2, denied, xreq).
usage: scenario.py STEP OUT --key-file F [--foreign-url U] [--anchor UNIX]
Times are relative to now, or to --anchor (the sources steps: so an entry
keeps its timestamp, and its identity, from one step to the next); ids are
fixed so steps build on each other."""
import argparse
import datetime
import json
import os
import sys

NOW = datetime.datetime.now(datetime.timezone.utc)
NET, OTHER_NET = "N_1", "N_2"
MX = {"name": "branch-mx", "serial": "Q2MX-AAAA-0001"}
ALICE = {"id": "100", "name": "Alice Admin"}
BOB = {"id": "200", "name": "Bob Builder"}


def ago(seconds):
    return (NOW - datetime.timedelta(seconds=seconds)).isoformat(timespec="microseconds").replace("+00:00", "Z")


def capture(cid, seconds_ago, admin, status="capturing", net=NET, **extra):
    c = {"captureId": cid, "network": {"id": net, "name": "Branch 17" if net == NET else "Elsewhere"},
         "device": MX if net == NET else {"name": "other-mx", "serial": "Q2MX-BBBB-0002"},
         "admin": admin, "name": "capture " + cid, "startTs": ago(seconds_ago),
         "ports": "3", "status": status, "destination": "upload_to_cloud", "process": "manual",
         "file": {"size": 1066}, "duration": 60, "filterExpression": "(udp)",
         "counts": {"packets": {"total": 10}}, "interface": "wired",
         "devices": ["{}"]}  # the OpenAPI example's odd shape: must be tolerated
    c.update(extra)
    return c


def schedule(sid, created_ago, enabled, admin, updated_ago=None):
    return {"scheduleId": sid, "_network": NET, "name": "weekly " + sid, "admin": admin,
            "notes": "reason", "duration": 60, "filterExpression": "(tcp)",
            "createdAt": ago(created_ago), "updatedAt": ago(updated_ago if updated_ago is not None else created_ago),
            "devices": [{"device": {"serial": MX["serial"], "switchports": "1-3", "interface": "wired"}}],
            "enabled": enabled, "priority": 1,
            "schedule": {"frequency": "week", "nextCaptureTs": ago(-3600)}}


def base(key_file):
    c7 = 5 * 60
    sc = {
        "api_key_file": key_file,
        "duplicate_across_pages": True,
        "captures": [
            capture("c-old", 2 * 86400, BOB),
            capture("c1", 23 * 3600, BOB),
            capture("c2", 5 * 3600, BOB),
            capture("c3", 3 * 3600, ALICE),
            capture("c4", 2 * 3600, BOB),
            capture("c5", 3600, ALICE),
            capture("c6", 30 * 60, BOB),
            capture("c7", c7, ALICE, name="call to +1 (555) 123-4567",
                    filterExpression="host 10.20.0.5 and port 5060 sip:alice@example.com"),
            capture("c-other", 10 * 60, ALICE, net=OTHER_NET),
        ],
        "schedules": [
            schedule("s-old", 40 * 86400, True, BOB),
            schedule("s-new", 30 * 60, True, BOB),
            schedule("s-off", 2 * 86400, False, ALICE),
        ],
        "apiRequests": [
            {"adminId": "100", "method": "POST", "host": "api.meraki.com",
             "path": "/api/v1/organizations/549236/devices/packetCapture/captures",
             "queryString": "", "userAgent": "python-requests/2.31.0 meraki-cli", "ts": ago(c7 - 1),
             "responseCode": 201, "sourceIp": "198.51.100.7", "version": 1,
             "operationId": "createOrganizationDevicesPacketCaptureCapture",
             "client": {"id": None, "type": "api_key"}},
            {"adminId": "999", "method": "POST", "host": "api.meraki.com",
             "path": "/api/v1/organizations/549236/devices/packetCapture/captures",
             "queryString": "", "userAgent": "curl/8.4.0", "ts": ago(20 * 60),
             "responseCode": 201, "sourceIp": "203.0.113.66", "version": 1,
             "operationId": "createOrganizationDevicesPacketCaptureCapture"},
            {"adminId": "100", "method": "GET", "host": "api.meraki.com",
             "path": "/api/v1/organizations/549236/apiRequests", "userAgent": "x", "ts": ago(60),
             "responseCode": 200, "sourceIp": "198.51.100.7", "operationId": "getOrganizationApiRequests"},
        ],
        "configurationChanges": [
            {"ts": ago(c7 - 3), "adminName": ALICE["name"], "adminEmail": "alice@example.com",
             "adminId": "100", "networkName": "Branch 17", "networkId": NET, "page": "Packet capture",
             "label": "Packet capture started", "oldValue": "", "newValue": "{\"ports\":\"3\"}"},
            {"ts": ago(600), "adminName": BOB["name"], "adminId": "200", "networkId": NET,
             "page": "Addressing & VLANs", "label": "VLAN 20 subnet", "oldValue": "a", "newValue": "b"},
        ],
        "eventTypes": {NET: [
            {"category": "Packet capture", "type": "pcap_start", "description": "Packet capture started"},
            {"category": "802.11", "type": "association", "description": "802.11 association"},
        ]},
        "events": {NET: [
            {"occurredAt": ago(c7 - 2), "networkId": NET, "type": "pcap_start",
             "description": "Packet capture started", "category": "Packet capture",
             "deviceSerial": MX["serial"], "deviceName": MX["name"], "eventData": {}},
            {"occurredAt": ago(100), "networkId": NET, "type": "association",
             "description": "802.11 association", "category": "802.11", "clientMac": "22:33:44:55:66:77"},
        ]},
    }
    return sc


SWITCH = "Q2MS-CCCC-0003"  # a switch of the site's network that is not the site's device

# Every capture operation that is not a GET, as the API names it (operationId:
# the official Python SDK's meraki/api/organizations.py; the beta ones: the
# Meraki API changelog for v1-beta). Those that start captures are in base().
FOLLOW_UPS = [
    "stopOrganizationDevicesPacketCaptureCapture",
    "deleteOrganizationDevicesPacketCaptureCapture",
    "bulkOrganizationDevicesPacketCaptureCapturesDelete",
    "generateOrganizationDevicesPacketCaptureCaptureDownloadUrl",
    "updateOrganizationDevicesPacketCaptureSchedule",
    "deleteOrganizationDevicesPacketCaptureSchedule",
    "reorderOrganizationDevicesPacketCaptureSchedules",
    "bulkOrganizationDevicesPacketCaptureSchedulesDelete",
    "tasksOrganizationDevicesPacketCapture",
]


def sources(key_file, step, anchor):
    """meraki_sources.sh: a schedule whose first device is not the site's,
    every capture operation, configuration changes over several pages (the
    capture one on the oldest), 403 on one source, a 5xx."""
    at = lambda s: (anchor - datetime.timedelta(seconds=s)).isoformat(timespec="microseconds").replace("+00:00", "Z")
    sched = schedule("s-multi", 20 * 60, True, BOB)
    sched["createdAt"] = sched["updatedAt"] = at(20 * 60)
    sched["devices"] = [{"device": {"serial": SWITCH, "switchports": "5"}},
                        {"device": {"serial": MX["serial"], "interface": "wired"}}]
    other = schedule("s-switch", 25 * 60, True, BOB)
    other["createdAt"] = other["updatedAt"] = at(25 * 60)
    other["devices"] = [{"device": {"serial": SWITCH, "switchports": "1-8"}}]
    api = []
    for n, op in enumerate(FOLLOW_UPS):
        # One admin each and minutes apart: one alert per operation.
        api.append({"adminId": str(300 + n), "method": "POST", "host": "api.meraki.com",
                    "path": "/api/v1/organizations/549236/devices/packetCapture/x", "queryString": "",
                    "userAgent": "Tool/1.0 Vendor", "ts": at(40 * 60 + 120 * n), "responseCode": 200,
                    "sourceIp": "198.51.100.%d" % (20 + n), "version": 1, "operationId": op})
    changes = [{"ts": at(660 + 60 * n), "adminName": "Carol", "adminId": "500", "networkId": NET,
                "page": "Firewall", "label": "L3 rule %d" % n, "oldValue": "a", "newValue": "b"}
               for n in range(9)]
    changes += [
        {"ts": at(30 * 60), "adminName": "Dave", "adminId": "400", "networkId": NET,
         "networkName": "Branch 17", "page": "Packet capture", "label": "Packet capture started",
         "oldValue": "", "newValue": "{}"},
        {"ts": at(40 * 60), "adminName": "Carol", "adminId": "500", "networkId": NET, "page": "VLANs",
         "label": "VLAN 30", "oldValue": "a", "newValue": "b"},
        {"ts": at(50 * 60), "adminName": "Carol", "adminId": "500", "networkId": NET, "page": "VLANs",
         "label": "VLAN 40", "oldValue": "a", "newValue": "b"},
    ]
    sc = {"api_key_file": key_file, "captures": [], "schedules": [sched, other], "apiRequests": api,
          "configurationChanges": changes,
          "eventTypes": {NET: [{"category": "Packet capture", "type": "pcap_start",
                                "description": "Packet capture started"}]},
          "events": {NET: []}}
    if step in ("src2", "denied", "xreq"):
        # Listed late (inside the overlap before the last cursor), newer than
        # every entry of src1: two pages of them, then the cursor is reached.
        sc["ignore_t0"] = True
        late = [{"ts": at(100 + n), "adminName": "Erin", "adminId": "600", "networkId": NET,
                 "page": "Firewall", "label": "L7 rule %d" % n, "oldValue": "a", "newValue": "b"}
                for n in range(6)]
        late[4].update(page="Packet capture", label="Packet capture stopped")
        sc["configurationChanges"] = late + changes
    if step == "denied":
        sc["faults"] = [{"match": "packetCapture/schedules", "status": 403, "times": 1000}]
    elif step == "xreq":
        sc["faults"] = [{"match": "packetCapture/captures", "status": 503, "times": 1}]
    return sc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step")
    ap.add_argument("out")
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--foreign-url")
    ap.add_argument("--anchor", type=float)
    a = ap.parse_args()
    sc = base(a.key_file)
    if a.step in ("src1", "src2", "denied", "xreq"):
        anchor = datetime.datetime.fromtimestamp(a.anchor or NOW.timestamp(), datetime.timezone.utc)
        sc = sources(a.key_file, a.step, anchor)
    elif a.step == "first":
        # A server that ignores filters (the client filters too), and every fault once.
        sc["ignore_filters"] = True
        sc["faults"] = [
            {"match": "packetCapture/captures", "page": 2, "status": 429, "retry_after": 2},
            {"match": "packetCapture/schedules", "delay": 3.5},
            {"match": "apiRequests", "status": 503, "times": 2},
            {"match": "configurationChanges", "truncate": True},
            {"match": "configurationChanges", "malformed": True},
        ]
    elif a.step == "again":
        pass
    elif a.step in ("new", "foreign", "badkey", "daemon"):
        sc["captures"].append(capture("c8", 60, BOB))
        for c in sc["captures"]:
            if c["captureId"] == "c2":
                c["status"] = "completed"
        for s in sc["schedules"]:
            if s["scheduleId"] == "s-off":
                s.update(enabled=True, updatedAt=ago(30))
        if a.step == "foreign":
            sc["foreign_next"] = a.foreign_url
        if a.step == "daemon":
            sc["captures"].append(capture("c9", 10, ALICE))
    elif a.step == "down":
        sc["faults"] = [{"match": "/", "status": 503, "times": 1000}]
    else:
        sys.exit("unknown step " + a.step)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(sc, f, indent=1)
    os.rename(tmp, a.out)


if __name__ == "__main__":
    main()
