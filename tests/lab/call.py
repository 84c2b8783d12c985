"""call.py LOCAL_ADDR SERVER_ADDR MEDIA_PORT SECONDS [bye|nobye] [options]: one
SIP call of the lab's phone to uas_echo.py on SERVER_ADDR:5060. INVITE with
SDP (media on LOCAL_ADDR:MEDIA_PORT), ACK the answer, 50 ms later 20 ms RTP
packets to the answered media port for SECONDS, counting their echoes; then
a BYE (default) or silence. Prints "answered PORT" (the server's media port)
once answered and "sent N echoed M missing SEQ,..." at the end (the first
five sequence numbers not echoed, or -); exit 1 if unanswered.

Options: --call-id ID (default random); --from URI, --to URI (the From and
To headers' name-addr, default <sip:phone@LOCAL> and <sip:echo@SERVER>); --tcp (SIP over TCP to port 5060;
media stays UDP); --media-delay S (from the answer to the first RTP packet,
default 0.05); --rtcp-from S: from S seconds into the media on, an RTCP
receiver report every 100 ms from MEDIA_PORT+1 to the answered port + 1 (a
flow that starts late, so it needs the gateway's pinhole at that moment),
counting echoes too; then "rtcp sent N echoed M" is printed before the final
line."""
import argparse
import random
import select
import socket
import struct
import time

ap = argparse.ArgumentParser()
ap.add_argument("local")
ap.add_argument("server")
ap.add_argument("mport", type=int)
ap.add_argument("seconds", type=float)
ap.add_argument("end", nargs="?", choices=("bye", "nobye"), default="bye")
ap.add_argument("--call-id")
ap.add_argument("--from", dest="from_uri")
ap.add_argument("--to", dest="to_uri")
ap.add_argument("--tcp", action="store_true")
ap.add_argument("--media-delay", type=float, default=0.05)
ap.add_argument("--rtcp-from", type=float)
a = ap.parse_args()
local, server, mport, seconds = a.local, a.server, a.mport, a.seconds
if a.tcp:
    sip = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sip.bind((local, 0))
    sip.settimeout(3)
    sip.connect((server, 5060))
    sip.settimeout(None)
else:
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind((local, 0))
sport = sip.getsockname()[1]
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp.bind((local, mport))
rtcp = None
if a.rtcp_from is not None:
    rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtcp.bind((local, mport + 1))
cid = a.call_id or "%016x@lab" % random.getrandbits(64)
tag = "%08x" % random.getrandbits(32)
inbuf = b""


def request(method, cseq, to_tag="", body=""):
    lines = ["%s sip:echo@%s:5060 SIP/2.0" % (method, server),
             "Via: SIP/2.0/%s %s:%d;branch=z9hG4bK%x" % ("TCP" if a.tcp else "UDP", local, sport,
                                                          random.getrandbits(48)),
             "Max-Forwards: 70",
             "From: %s;tag=%s" % (a.from_uri or "<sip:phone@%s>" % local, tag),
             "To: %s%s" % (a.to_uri or "<sip:echo@%s>" % server, ";tag=" + to_tag if to_tag else ""),
             "Call-ID: " + cid,
             "CSeq: %d %s" % (cseq, method),
             "Contact: <sip:phone@%s:%d%s>" % (local, sport, ";transport=tcp" if a.tcp else "")]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    msg = ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
    if a.tcp:
        sip.sendall(msg)
    else:
        sip.sendto(msg, (server, 5060))


def tcp_message():
    """One message from the TCP stream, framed by Content-Length, or None."""
    global inbuf
    end = inbuf.find(b"\r\n\r\n")
    if end < 0:
        return None
    clen = 0
    for line in inbuf[:end].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            clen = int(value.strip() or 0)
    if len(inbuf) < end + 4 + clen:
        return None
    msg, inbuf = inbuf[:end + 4 + clen], inbuf[end + 4 + clen:]
    return msg.decode("latin-1")


def response(timeout=3.0):
    global inbuf
    deadline = time.monotonic() + timeout
    while True:
        if a.tcp:
            msg = tcp_message()
            if msg:
                return msg
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sip], [], [], left)[0]:
            return None
        if not a.tcp:
            return sip.recv(65535).decode("latin-1")
        data = sip.recv(65535)
        if not data:
            return None
        inbuf += data


sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (local, local, mport))
request("INVITE", 1, body=sdp)
answer = response()
if not answer or not answer.startswith("SIP/2.0 200"):
    print("sent 0 echoed 0 (no answer)")
    raise SystemExit(1)
to_tag = answer.split("To:", 1)[1].split("\r\n", 1)[0].split(";tag=")[1].strip()
remote = int(answer.split("m=audio ", 1)[1].split(" ", 1)[0])
request("ACK", 1, to_tag)
print("answered %d" % remote, flush=True)
# By default media starts 50 ms after the answer, as across a WAN: this tool
# is about a pinhole's lifetime; the race for a call's very first packet
# (sipp, with no delay at all) is tests/integration/agent.sh's.
time.sleep(a.media_delay)
sent = echoed = rtcp_sent = rtcp_echoed = 0
seqs = set()
t0 = time.monotonic()
socks = [rtp] + ([rtcp] if rtcp else [])


def receive(s):
    global echoed, rtcp_echoed
    data = s.recv(2048)
    if s is rtp:
        seqs.add(struct.unpack("!H", data[2:4])[0])
        echoed += 1
    else:
        rtcp_echoed += 1


while time.monotonic() - t0 < seconds:
    pkt = struct.pack("!BBHII", 0x80, 8, sent & 0xFFFF, sent * 160, 0x1234) + b"\xd5" * 160
    rtp.sendto(pkt, (server, remote))
    sent += 1
    if rtcp and sent * 0.02 >= a.rtcp_from and sent % 5 == 0:
        # RR: V=2, no report blocks, PT 201, length 1 word, sender SSRC
        rtcp.sendto(struct.pack("!BBHI", 0x80, 201, 1, 0x1234), (server, remote + 1))
        rtcp_sent += 1
    due = t0 + sent * 0.02
    while True:
        left = due - time.monotonic()
        if left <= 0:
            break
        for s in select.select(socks, [], [], left)[0]:
            receive(s)
while True:
    ready = select.select(socks, [], [], 0.5)[0]
    if not ready:
        break
    for s in ready:
        receive(s)
if a.end == "bye":
    request("BYE", 2, to_tag)
    response()
missing = sorted(set(range(min(sent, 65536))) - seqs)[:5]
if rtcp:
    print("rtcp sent %d echoed %d" % (rtcp_sent, rtcp_echoed), flush=True)
print("sent %d echoed %d missing %s" % (sent, echoed, ",".join(map(str, missing)) or "-"), flush=True)
