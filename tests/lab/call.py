"""call.py LOCAL_ADDR SERVER_ADDR MEDIA_PORT SECONDS [bye|nobye]: one SIP
call of the lab's phone to uas_echo.py on SERVER_ADDR:5060. INVITE with SDP
(media on LOCAL_ADDR:MEDIA_PORT), ACK the answer, 50 ms later 20 ms RTP packets to
the answered media port for SECONDS, counting their echoes; then a BYE
(default) or silence. Prints "answered PORT" (the server's media port) once
answered and "sent N echoed M missing SEQ,..." at the end (the first five
sequence numbers not echoed, or -); exit 1 if unanswered."""
import random
import select
import socket
import struct
import sys
import time

local, server, mport, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
bye = len(sys.argv) < 6 or sys.argv[5] != "nobye"
sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sip.bind((local, 0))
sport = sip.getsockname()[1]
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp.bind((local, mport))
cid = "%016x@lab" % random.getrandbits(64)
tag = "%08x" % random.getrandbits(32)


def request(method, cseq, to_tag="", body=""):
    lines = ["%s sip:echo@%s:5060 SIP/2.0" % (method, server),
             "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x" % (local, sport, random.getrandbits(48)),
             "Max-Forwards: 70",
             "From: <sip:phone@%s>;tag=%s" % (local, tag),
             "To: <sip:echo@%s>%s" % (server, ";tag=" + to_tag if to_tag else ""),
             "Call-ID: " + cid,
             "CSeq: %d %s" % (cseq, method),
             "Contact: <sip:phone@%s:%d>" % (local, sport)]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    sip.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), (server, 5060))


def response(timeout=3.0):
    if not select.select([sip], [], [], timeout)[0]:
        return None
    return sip.recv(65535).decode("latin-1")


sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (local, local, mport))
request("INVITE", 1, body=sdp)
answer = response()
if not answer or not answer.startswith("SIP/2.0 200"):
    print("sent 0 echoed 0 (no answer)")
    sys.exit(1)
to_tag = answer.split("To:", 1)[1].split("\r\n", 1)[0].split(";tag=")[1].strip()
remote = int(answer.split("m=audio ", 1)[1].split(" ", 1)[0])
request("ACK", 1, to_tag)
print("answered %d" % remote, flush=True)
# Media starts 50 ms after the answer, as across a WAN: this tool is about a
# pinhole's lifetime; the race for a call's very first packet (sipp, with no
# delay at all) is tests/integration/agent.sh's.
time.sleep(0.05)
sent = echoed = 0
seqs = set()
t0 = time.monotonic()
while time.monotonic() - t0 < seconds:
    pkt = struct.pack("!BBHII", 0x80, 8, sent & 0xFFFF, sent * 160, 0x1234) + b"\xd5" * 160
    rtp.sendto(pkt, (server, remote))
    sent += 1
    due = t0 + sent * 0.02
    while True:
        left = due - time.monotonic()
        if left <= 0 or not select.select([rtp], [], [], left)[0]:
            break
        seqs.add(struct.unpack("!H", rtp.recv(2048)[2:4])[0])
        echoed += 1
while select.select([rtp], [], [], 0.5)[0]:
    seqs.add(struct.unpack("!H", rtp.recv(2048)[2:4])[0])
    echoed += 1
if bye:
    request("BYE", 2, to_tag)
    response()
missing = sorted(set(range(min(sent, 65536))) - seqs)[:5]
print("sent %d echoed %d missing %s" % (sent, echoed, ",".join(map(str, missing)) or "-"), flush=True)
