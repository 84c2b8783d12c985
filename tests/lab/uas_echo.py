"""uas_echo.py ADDR PORT MEDIA_BASE: the lab's call server. Answers each
INVITE with SDP announcing a media port of that call's own (MEDIA_BASE,
MEDIA_BASE+2, ...), echoes whatever arrives on that port and the next (RTP,
RTCP) back to its sender, and closes both when the call's BYE is answered.
sipp's own UAS echoes on one fixed port for every call, which would keep a
pinhole open across calls and hide a late one. On SIGTERM prints
"calls N echoed PACKETS" and exits."""
import select
import signal
import socket
import sys

addr, port, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sip.bind((addr, port))
calls = {}  # Call-ID -> (media port, [sockets])
media = {}  # socket -> Call-ID
count = 0
echoed = 0


def finish(*_):
    print("calls %d echoed %d" % (count, echoed), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, finish)


def headers(msg):
    out = {}
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        name, _, value = line.partition(":")
        out.setdefault(name.strip().lower(), []).append(value.strip())
    return out


def respond(h, src, body=b"", to_tag=""):
    lines = ["SIP/2.0 200 OK"]
    lines += ["Via: " + v for v in h.get("via", [])]
    lines.append("From: " + h["from"][0])
    to = h["to"][0]
    lines.append("To: " + (to if ";tag=" in to or not to_tag else to + ";tag=" + to_tag))
    lines.append("Call-ID: " + h["call-id"][0])
    lines.append("CSeq: " + h["cseq"][0])
    lines.append("Contact: <sip:%s:%d>" % (addr, port))
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    sip.sendto(("\r\n".join(lines) + "\r\n\r\n").encode() + body, src)


while True:
    ready, _, _ = select.select([sip] + list(media), [], [], 1.0)
    for s in ready:
        if s is not sip:
            data, src = s.recvfrom(65535)
            s.sendto(data, src)
            echoed += 1
            continue
        data, src = sip.recvfrom(65535)
        msg = data.decode("latin-1")
        method = msg.split(" ", 1)[0]
        h = headers(msg)
        if "call-id" not in h or "cseq" not in h or "from" not in h or "to" not in h:
            continue
        cid = h["call-id"][0]
        if method == "INVITE":
            if cid not in calls:
                mport = base + 2 * (count % 5000)
                count += 1
                socks = []
                for p in (mport, mport + 1):
                    m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    m.bind((addr, p))
                    socks.append(m)
                    media[m] = cid
                calls[cid] = (mport, socks)
            sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                   "m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
                   "a=rtpmap:101 telephone-event/8000\r\n" % (addr, addr, calls[cid][0]))
            respond(h, src, sdp.encode(), "uas%d" % (abs(hash(cid)) % 100000))
        elif method == "BYE":
            respond(h, src)
            for m in calls.pop(cid, (0, []))[1]:
                del media[m]
                m.close()
        elif method not in ("ACK", "SIP/2.0"):
            respond(h, src)
