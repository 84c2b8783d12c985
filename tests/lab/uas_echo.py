"""uas_echo.py ADDR PORT MEDIA_BASE [HTTP_BYTES]: the lab's call server.
Answers each INVITE (SIP over UDP and over TCP, both on PORT) with SDP
announcing a media port of that call's own (MEDIA_BASE, MEDIA_BASE+2, ...),
echoes whatever arrives on that port and the next (RTP, RTCP) back to its
sender, and closes both when the call's BYE is answered. A BYE or CANCEL
from another host than the one that sent the call's INVITE gets 481 and
changes nothing (a forged BYE must not end the call here: the lab's tests
look at what the gateway makes of it). sipp's own UAS echoes on one fixed
port for every call, which would keep a pinhole open across calls and hide a
late one. A TCP connection that opens with an HTTP request instead of SIP
gets an HTTP 200 with HTTP_BYTES (default 1 MiB) of body (a web server on
the SIP port, for the classifier's verdict tests). On SIGTERM prints
"calls N echoed PACKETS" and exits."""
import select
import signal
import socket
import sys
import threading

addr, port, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
http_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 20
sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sip.bind((addr, port))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((addr, port))
tcp.listen(64)
conns = {}  # TCP connection -> bytes received and not yet parsed
calls = {}  # Call-ID -> (media port, [sockets], host that sent the INVITE)
media = {}  # socket -> Call-ID
count = 0
echoed = 0
HTTP = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"OPTIONS * HTTP")


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


def respond(send, h, body=b"", to_tag="", status="200 OK"):
    lines = ["SIP/2.0 " + status]
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
    send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def handle(msg, send, host):
    global count
    method = msg.split(" ", 1)[0]
    h = headers(msg)
    if "call-id" not in h or "cseq" not in h or "from" not in h or "to" not in h:
        return
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
            calls[cid] = (mport, socks, host)
        sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
               "m=audio %d RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\n" % (addr, addr, calls[cid][0]))
        respond(send, h, sdp.encode(), "uas%d" % (abs(hash(cid)) % 100000))
    elif method in ("BYE", "CANCEL"):
        if cid in calls and calls[cid][2] != host:
            respond(send, h, status="481 Call/Transaction Does Not Exist")
            return
        respond(send, h)
        for m in calls.pop(cid, (0, [], None))[1]:
            del media[m]
            m.close()
    elif method not in ("ACK", "SIP/2.0"):
        respond(send, h)


def http_answer(c):
    c.settimeout(10)
    try:
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % http_bytes)
        chunk = b"x" * 16384
        left = http_bytes
        while left > 0:
            left -= c.send(chunk[:left])
    except OSError:
        pass
    c.close()


def tcp_data(c):
    data = c.recv(65535)
    if not data:
        del conns[c]
        c.close()
        return
    buf = conns[c] + data
    if not conns[c] and buf.startswith(HTTP):
        del conns[c]
        threading.Thread(target=http_answer, args=(c,), daemon=True).start()
        return
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        clen = 0
        for line in buf[:end].split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                clen = int(value.strip() or 0)
        if len(buf) < end + 4 + clen:
            break
        handle(buf[:end + 4 + clen].decode("latin-1"), c.sendall, c.getpeername()[0])
        buf = buf[end + 4 + clen:]
    conns[c] = buf


while True:
    ready, _, _ = select.select([sip, tcp] + list(conns) + list(media), [], [], 1.0)
    for s in ready:
        if s is tcp:
            c, _ = tcp.accept()
            conns[c] = b""
        elif s in conns:
            try:
                tcp_data(s)
            except OSError:
                conns.pop(s, None)
                s.close()
        elif s is sip:
            data, src = sip.recvfrom(65535)
            handle(data.decode("latin-1"), lambda b, src=src: sip.sendto(b, src), src[0])
        elif s in media:
            data, src = s.recvfrom(65535)
            s.sendto(data, src)
            echoed += 1
