"""forge.py — forged signalling for the lab (tests/lab/lab.sh), plain
sockets. Run it inside a lab namespace; every mode binds --src (an address
of that namespace) and prints one line of what it did.

  invite --src A --dst S --media ADDR:PORT [--media ...] [--rtcp ADDR:PORT]
         [--call-id ID] [--repeat N] [--gap S] [--crypto] [--reply-ms MS]
         [--from NAME-ADDR] [--to NAME-ADDR] [--crypto-key B64]
      SIP INVITE over UDP (to S:5060) whose SDP has one m=audio line per
      --media, each with its own c= line; --rtcp adds a=rtcp:PORT IN IP4 ADDR
      to the first; --crypto makes each RTP/SAVP with an SDES a=crypto key (a
      fixed test key, or --crypto-key). --from/--to replace the From and To
      headers' name-addr (default <sip:forge@A>, <sip:echo@S>). --reply-ms: then waits that long for any datagram
      back, prints "reply" and exits 0, or prints "no reply" and exits 1.
  bye --src A --dst S --call-id ID      a BYE for that Call-ID
  sccp --src A --dst S --msg orca|smt --media ADDR:PORT [--version N]
      connects to S:2000 and sends an OpenReceiveChannelAck (station: "I
      receive on ADDR:PORT") or a StartMediaTransmission ("send to
      ADDR:PORT"), laid out as agent/classify/proto/sccp.c parses: basic header version 0
      (IPv4 address word) or V17+ (ipv4or6 address blocks).
  mgcp --src A --dst S --kind command|response --media ADDR:PORT
      to S:2427: a CRCX command or a 200 response, each carrying SDP.
  tftp --src A --sport P --dst S [--op rrq|wrq] [--file NAME]
      one TFTP request to S:69 from port P.
  udp --src A --sport P --dst S --dport Q --kind rtp|junk|dns --count N
      [--interval S]   N datagrams of one flow: valid RTP v2 (one SSRC,
      increasing sequence numbers and timestamps), random bytes (never
      starting like a UC protocol), or DNS queries for A records.
  flood --src A --dst S --rate N --seconds T [--min-rate M]
      N INVITEs/s for T s (0: as fast as possible) from A, each with a fresh
      Call-ID and a random SDP port (1024-65534, even) on A; sent in batches
      of 10 ms; prints the achieved rate and exits 3 when it is below M
      (default 99% of N: the pacing never runs ahead, so only a sender
      that cannot keep up falls short). --ttl 1: the INVITEs die at the
      first router (the gateway, after its capture has seen them), so the
      sender's CPU goes into sending rather than routing them further.
  pcap --src A --dst S --count N --rate R --out FILE
      the same INVITEs as flood (same generator), written as an Ethernet
      pcap with timestamps R/s apart instead of sent (for `ucfence classify`).
  tcpsink --bind ADDR:PORT    accepts connections and discards what they send
  udpsink --bind ADDR:PORT [--seconds T]
      counts datagrams until T s or SIGTERM; prints the count.
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time


def hostport(s):
    a, _, p = s.rpartition(":")
    return a, int(p)


# An SDES key for tests only (RFC 4568 syntax: 30 bytes of key and salt, base64).
TEST_SDES_KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


def sdp_body(origin, media, rtcp=None, crypto=False, key=TEST_SDES_KEY):
    """One m=audio line per (addr, port) in media, each with its c= line."""
    lines = ["v=0", "o=- %d 1 IN IP4 %s" % (random.getrandbits(31), origin), "s=-", "t=0 0"]
    for i, (addr, port) in enumerate(media):
        lines.append("m=audio %d RTP/%s 0 8 101" % (port, "SAVP" if crypto else "AVP"))
        lines.append("c=IN IP4 %s" % addr)
        lines.append("a=rtpmap:0 PCMU/8000")
        lines.append("a=rtpmap:101 telephone-event/8000")
        if crypto:
            lines.append("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key)
        if i == 0 and rtcp:
            lines.append("a=rtcp:%d IN IP4 %s" % (rtcp[1], rtcp[0]))
    return "\r\n".join(lines) + "\r\n"


def sip_request(method, src, sport, dst, dport, cid, cseq, body="", to_tag="", tag=None,
                from_uri=None, to_uri=None):
    tag = tag or "%08x" % random.getrandbits(32)
    lines = ["%s sip:echo@%s:%d SIP/2.0" % (method, dst, dport),
             "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x" % (src, sport, random.getrandbits(48)),
             "Max-Forwards: 70",
             "From: %s;tag=%s" % (from_uri or "<sip:forge@%s>" % src, tag),
             "To: %s%s" % (to_uri or "<sip:echo@%s>" % dst, ";tag=" + to_tag if to_tag else ""),
             "Call-ID: " + cid,
             "CSeq: %d %s" % (cseq, method),
             "Contact: <sip:forge@%s:%d>" % (src, sport)]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def udp_socket(src, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    return s


def cmd_invite(a):
    media = [hostport(m) for m in a.media]
    rtcp = hostport(a.rtcp) if a.rtcp else None
    cid = a.call_id or "%016x@forge" % random.getrandbits(64)
    s = udp_socket(a.src, a.sport)
    sport = s.getsockname()[1]
    for i in range(a.repeat):
        if i:
            time.sleep(a.gap)
        msg = sip_request("INVITE", a.src, sport, a.dst, a.dport, cid, 1 + i,
                          sdp_body(a.src, media, rtcp, a.crypto, a.crypto_key),
                          from_uri=a.from_uri, to_uri=a.to_uri)
        s.sendto(msg, (a.dst, a.dport))
    print("invite: sent %d from %s:%d to %s:%d, Call-ID %s, media %s%s%s" % (
        a.repeat, a.src, sport, a.dst, a.dport, cid, " ".join(a.media),
        " rtcp " + a.rtcp if a.rtcp else "", " with a=crypto" if a.crypto else ""))
    if a.reply_ms is not None:
        if select.select([s], [], [], a.reply_ms / 1000.0)[0]:
            print("reply")
        else:
            print("no reply")
            sys.exit(1)


def cmd_bye(a):
    s = udp_socket(a.src, a.sport)
    sport = s.getsockname()[1]
    for i in range(a.repeat):
        s.sendto(sip_request("BYE", a.src, sport, a.dst, a.dport, a.call_id, 2 + i,
                             to_tag="%08x" % random.getrandbits(32)), (a.dst, a.dport))
    print("bye: sent %d from %s:%d to %s:%d, Call-ID %s" % (a.repeat, a.src, sport, a.dst,
                                                            a.dport, a.call_id))


SCCP_ORCA = 0x0022
SCCP_SMT = 0x008a


def sccp_addr(addr, v17):
    raw = socket.inet_aton(addr)
    if not v17:
        return raw
    return struct.pack("<I", 0) + raw + b"\0" * 12  # ipv4or6 = 0 (IPv4), 16 address bytes


def sccp_message(msg, addr, port, version, party):
    v17 = version >= 0x11
    if msg == "orca":
        mid = SCCP_ORCA
        # status 0 (ok), address, port, passThroughPartyId
        data = struct.pack("<I", 0) + sccp_addr(addr, v17) + struct.pack("<II", port, party)
    else:
        mid = SCCP_SMT
        # conferenceId, passThroughPartyId, address, port, packet size 20 ms,
        # compression (4: G.711 u-law), qualifier (precedence, VAD, packets, bit rate)
        data = struct.pack("<II", 1000 + party, party) + sccp_addr(addr, v17) + \
            struct.pack("<III", port, 20, 4)
        if v17:
            # qualifier (3 words), codec params, callReference, key algorithm
            # 0 (no encryption), key length, salt length
            data += struct.pack("<IIIIIIII", 0, 0, 0, 0, 7, 0, 0, 0) + b"\0" * 32
        else:
            data += struct.pack("<IIII", 0, 0, 0, 0)
    return struct.pack("<III", 4 + len(data), version, mid) + data


def cmd_sccp(a):
    addr, port = hostport(a.media)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(3)
    s.connect((a.dst, a.dport))
    for i in range(a.repeat):
        if i:
            time.sleep(a.gap)
        s.sendall(sccp_message(a.msg, addr, port, a.version, a.party))
    time.sleep(0.2)  # let the segments leave before the FIN
    s.close()
    print("sccp: sent %d %s naming %s from %s to %s:%d (header version %#x)" % (
        a.repeat, a.msg, a.media, a.src, a.dst, a.dport, a.version))


def cmd_mgcp(a):
    addr, port = hostport(a.media)
    s = udp_socket(a.src, a.sport)
    body = sdp_body(addr, [(addr, port)])
    for i in range(a.repeat):
        if i:
            time.sleep(a.gap)
        tx = random.randint(1000, 999999)
        if a.kind == "command":
            head = "CRCX %d aaln/1@%s MGCP 1.0\r\nC: %s\r\nL: p:20, a:PCMU\r\nM: sendrecv\r\n" % (
                tx, a.src, a.call_id)
        else:
            head = "200 %d OK\r\nI: %X\r\n" % (tx, random.getrandbits(32))
        s.sendto((head + "\r\n" + body).encode(), (a.dst, a.dport))
    print("mgcp: sent %d %s naming %s from %s to %s:%d" % (a.repeat, a.kind, a.media, a.src,
                                                            a.dst, a.dport))


def cmd_tftp(a):
    s = udp_socket(a.src, a.sport)
    op = 1 if a.op == "rrq" else 2
    s.sendto(struct.pack("!H", op) + a.file.encode() + b"\0octet\0", (a.dst, 69))
    print("tftp: sent %s for %s from %s:%d to %s:69" % (a.op, a.file, a.src,
                                                        s.getsockname()[1], a.dst))


def junk(n):
    # first byte 0x02-0x13: no UC protocol starts so (not SIP/MGCP text,
    # STUN/TFTP 0-1, DTLS 20-25, RTP/RTCP 0x80-0xbf, IAX/Meraki/QUIC high bits)
    return bytes([random.randint(0x02, 0x13)]) + os.urandom(n - 1)


def dns_query(i):
    q = b"".join(bytes([len(p)]) + p for p in (b"www", b"example%d" % (i % 10), b"com")) + b"\0"
    return struct.pack("!HHHHHH", (0x1200 + i) & 0xFFFF, 0x0100, 1, 0, 0, 0) + q + \
        struct.pack("!HH", 1, 1)


def cmd_udp(a):
    s = udp_socket(a.src, a.sport)
    ssrc = random.getrandbits(32)
    t0 = time.monotonic()
    for i in range(a.count):
        if a.kind == "rtp":
            pkt = struct.pack("!BBHII", 0x80, 0, (1000 + i) & 0xFFFF, 160 * i, ssrc) + b"\xff" * 160
        elif a.kind == "junk":
            pkt = junk(172)
        else:
            pkt = dns_query(i)
        try:
            s.sendto(pkt, (a.dst, a.dport))
        except OSError:
            pass
        ahead = t0 + (i + 1) * a.interval - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print("udp: sent %d %s datagrams from %s:%d to %s:%d" % (a.count, a.kind, a.src,
                                                              s.getsockname()[1], a.dst, a.dport))


class InviteGen:
    """The flood's INVITEs: a fixed template, a fresh Call-ID and a random
    even SDP port (1024-65534) on the sender's own address each."""

    def __init__(self, src, sport, dst, dport, seed=None):
        self.rnd = random.Random(seed)
        self.n = 0
        self.src, self.sport, self.dst, self.dport = src, sport, dst, dport
        self.sdp = ("v=0\r\no=- %%d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                    "m=audio %%d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\n" % (src, src))
        self.head = ("INVITE sip:%%d@%s SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%%x\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:forge@%s>;tag=%%x\r\n"
                     "To: <sip:%%d@%s>\r\nCall-ID: %%x%%08x@forge\r\nCSeq: 1 INVITE\r\n"
                     "Contact: <sip:forge@%s:%d>\r\nContent-Type: application/sdp\r\n"
                     "Content-Length: %%d\r\n\r\n" % (dst, src, sport, src, dst, src, sport))

    def next(self):
        r = self.rnd.getrandbits(64)
        self.n += 1
        sdp = self.sdp % (self.n, 1024 + 2 * (r % 32256))
        return (self.head % (self.n, r >> 16, r & 0xFFFFFFF, self.n, r, self.n, len(sdp)) +
                sdp).encode()


def cmd_flood(a):
    s = udp_socket(a.src, a.sport)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    if a.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    gen = InviteGen(a.src, s.getsockname()[1], a.dst, a.dport)
    dst = (a.dst, a.dport)
    # paced: exactly rate x seconds INVITEs, in batches of 10 ms, the rate
    # measured to the last send (falling behind shows as a lower rate)
    total = int(a.rate * a.seconds) if a.rate > 0 else None
    min_rate = a.min_rate if a.min_rate is not None else 0.99 * a.rate
    batch = max(1, int(a.rate / 100)) if a.rate > 0 else 64
    sent = errors = 0
    t0 = time.monotonic()
    send = s.sendto
    while total is None or sent < total:
        now = time.monotonic()
        if total is None and now - t0 >= a.seconds:
            break
        if total is not None:
            ahead = t0 + sent / a.rate - now
            if ahead > 0:
                time.sleep(ahead)
        for _ in range(batch if total is None else min(batch, total - sent)):
            try:
                send(gen.next(), dst)
            except OSError:
                errors += 1
            sent += 1
    took = time.monotonic() - t0
    rate = sent / took
    print("flood: sent %d INVITEs (%d send errors) from %s to %s:%d in %.2f s: %.0f/s" % (
        sent, errors, a.src, a.dst, a.dport, took, rate), flush=True)
    if rate < min_rate or errors > sent // 100:
        print("FAIL: forge flood: achieved %.0f INVITEs/s (%d send errors), required %.0f/s" % (
            rate, errors, min_rate), file=sys.stderr, flush=True)
        sys.exit(3)


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def cmd_pcap(a):
    gen = InviteGen(a.src, a.sport, a.dst, a.dport)
    src, dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1700000000.0
        for i in range(a.count):
            payload = gen.next()
            udp = struct.pack("!HHHH", a.sport, a.dport, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0x4000, 64,
                             17, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
            frame = eth + ip + udp
            ts = t + i / a.rate
            f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(frame), len(frame)))
            f.write(frame)
    print("pcap: %d INVITEs from %s:%d to %s:%d in %s" % (a.count, a.src, a.sport, a.dst,
                                                          a.dport, a.out))


def cmd_tcpsink(a):
    addr, port = hostport(a.bind)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    def drain(c):
        c.settimeout(30)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def cmd_udpsink(a):
    addr, port = hostport(a.bind)
    s = udp_socket(addr, port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    count = [0]

    def done(*_):
        print(count[0], flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        if select.select([s], [], [], 0.2)[0]:
            while True:
                try:
                    s.recv(65535, socket.MSG_DONTWAIT)
                    count[0] += 1
                except BlockingIOError:
                    break
    done()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = p.add_subparsers(dest="mode", required=True)

    def mode(name, fn, dport=None, src=True):
        m = sub.add_parser(name)
        if src:
            m.add_argument("--src", required=True)
            m.add_argument("--sport", type=int, default=0)
            m.add_argument("--dst", required=True)
            m.add_argument("--dport", type=int, default=dport)
            m.add_argument("--repeat", type=int, default=1)
            m.add_argument("--gap", type=float, default=0.05)
        m.set_defaults(fn=fn)
        return m

    m = mode("invite", cmd_invite, 5060)
    m.add_argument("--media", action="append", required=True)
    m.add_argument("--rtcp")
    m.add_argument("--call-id")
    m.add_argument("--crypto", action="store_true")
    m.add_argument("--crypto-key", default=TEST_SDES_KEY)
    m.add_argument("--from", dest="from_uri")
    m.add_argument("--to", dest="to_uri")
    m.add_argument("--reply-ms", type=int)
    m = mode("bye", cmd_bye, 5060)
    m.add_argument("--call-id", required=True)
    m = mode("sccp", cmd_sccp, 2000)
    m.add_argument("--msg", choices=("orca", "smt"), required=True)
    m.add_argument("--media", required=True)
    m.add_argument("--version", type=lambda v: int(v, 0), default=0)
    m.add_argument("--party", type=int, default=4242)
    m = mode("mgcp", cmd_mgcp, 2427)
    m.add_argument("--kind", choices=("command", "response"), required=True)
    m.add_argument("--media", required=True)
    m.add_argument("--call-id", default="A3C47F21456789F0")
    m = mode("tftp", cmd_tftp, 69)
    m.add_argument("--op", choices=("rrq", "wrq"), default="rrq")
    m.add_argument("--file", default="SEP001122334455.cnf.xml")
    m = mode("udp", cmd_udp)
    m.add_argument("--kind", choices=("rtp", "junk", "dns"), required=True)
    m.add_argument("--count", type=int, default=100)
    m.add_argument("--interval", type=float, default=0.01)
    m = mode("flood", cmd_flood, 5060)
    m.add_argument("--rate", type=float, required=True)
    m.add_argument("--seconds", type=float, required=True)
    m.add_argument("--min-rate", type=float)
    m.add_argument("--ttl", type=int, default=0)
    m = mode("pcap", cmd_pcap, 5060)
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--rate", type=float, default=5000)
    m.add_argument("--out", required=True)
    m = mode("tcpsink", cmd_tcpsink, src=False)
    m.add_argument("--bind", required=True)
    m = mode("udpsink", cmd_udpsink, src=False)
    m.add_argument("--bind", required=True)
    m.add_argument("--seconds", type=float, default=3600)
    a = p.parse_args()
    if a.mode == "pcap" and not a.sport:
        a.sport = 5062
    a.fn(a)


if __name__ == "__main__":
    main()
