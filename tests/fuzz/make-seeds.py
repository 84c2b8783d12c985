#!/usr/bin/env python3
"""Regenerates the seed corpora of the classifier fuzz targets from the test
captures (tests/data/pcaps/ndpi). Run once; the seeds are
committed, so `make check` needs neither tshark nor the captures for them."""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PCAPS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "data", "pcaps", "ndpi")
CORPUS = os.path.join(HERE, "corpus")


def save(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frames(path):
    """(linktype, [frame bytes]) via editcap to plain pcap."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        subprocess.run(["editcap", "-F", "pcap", path, tmp.name], check=True)
        raw = open(tmp.name, "rb").read()
    magic = struct.unpack("<I", raw[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(e + "I", raw[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(raw):
        incl = struct.unpack(e + "I", raw[off + 8:off + 12])[0]
        out.append(raw[off + 16:off + 16 + incl])
        off += 16 + incl
    return link, out


def payloads(path, field, display):
    r = subprocess.run(["tshark", "-r", path, "-Y", display, "-T", "fields", "-e", field],
                       capture_output=True, text=True, check=True)
    return [bytes.fromhex(l.strip().replace(":", "")) for l in r.stdout.splitlines() if l.strip()]


SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 0: 4}  # see fuzz_packet.c dlts[]

for cap in ["sip.pcap", "skinny.pcap", "FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "stun.pcap", "dtls2.pcap",
            "tftp.pcap", "h323.pcap", "mgcp.pcap", "iax.pcap", "bfcp.pcapng", "zoom2.pcap",
            "rtcp_multiple_pkts_in_the_same_datagram.pcap", "rtp.pcapng", "merakicloud.pcapng",
            "http_on_sip_port.pcap", "sccp_hw_conf_register.pcapng"]:
    link, fr = frames(os.path.join(PCAPS, cap))
    for i in range(0, min(len(fr), 60), 6):
        data = bytes([SELECTOR.get(link, 0)])
        for f in fr[i:i + 6]:
            data += struct.pack(">H", len(f)) + f
        save("packet", data)

sip = []
for cap in ["sip.pcap", "FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "sip_hello.pcapng"]:
    sip += payloads(os.path.join(PCAPS, cap), "udp.payload", "sip")[:20]
for m in sip:
    save("sip", m)
    head, sep, body = m.partition(b"\r\n\r\n")
    if sep and body.startswith(b"v="):
        save("sdp", body)
for cap in ["skinny.pcap", "sccp_hw_conf_register.pcapng"]:
    for p in payloads(os.path.join(PCAPS, cap), "tcp.payload", "tcp.len > 0")[:30]:
        save("sccp", p)
