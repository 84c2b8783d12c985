"""tls_call.py: calls signalled over TLS with echoed RTP, for the lab (sipp in
Debian has no TLS). One mode per process:

  tls_call.py uas ADDR PORT CERT KEY ECHO_PORT
      TLS server on ADDR:PORT. A line "CALL n PORT" from a client opens a
      media socket of that call's own, answers "OK n MEDIAPORT", echoes every
      datagram arriving there back to its sender and, for odd n, sends 5 RTP
      packets of its own to the client's PORT first (the server starts the
      flow). "BYE n" closes the call. ECHO_PORT echoes anything, always (a
      target for probes). On SIGTERM prints "calls N echoed PACKETS".
  tls_call.py uac SRC SERVER PORT CALLS PACKETS [JUNK]
      One TLS connection from SRC to SERVER:PORT; CALLS calls one after the
      other, each sending PACKETS RTP packets (2 ms apart) from a media port
      of its own and counting what comes back. With JUNK, each call then also
      sends 3 non-media datagrams on its media flow (they must not come back).
      Prints "calls N sent S echoed E server F junk_back J first_lost L" and
      exits 0 when every RTP packet came back.
  tls_call.py hold SRC SERVER PORT SECONDS
      Holds a TLS connection, sending a keepalive line every second.
  tls_call.py probe SRC SERVER PORT KIND [SRCPORT]
      Sends one datagram (KIND: rtp, rtcp, stun, dtls, dns, junk) and exits 0
      if anything comes back within 0.7 s, 1 if not."""
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time


def payload(kind, seq=0, pt=0):
    if kind == "rtp":  # version 2, payload type pt, seq, timestamp, SSRC
        return struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, seq * 160, 0x1234) + b"\x55" * 160
    if kind == "rtcp":  # receiver report
        return struct.pack("!BBHI", 0x80, 201, 1, 0x1234)
    if kind == "stun":  # binding request
        return struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)
    if kind == "dtls":  # handshake record
        return bytes([22, 0xFE, 0xFD]) + b"\x00" * 10
    if kind == "dns":  # a query for example.com
        return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
    return b"\x47" + os.urandom(40)  # junk: first bits 01, not media


def udp(family, addr, port=0):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))
    return s


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def uas(addr, port, cert, key, echo_port):
    fam = family_of(addr)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lst = socket.socket(fam, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, port))
    lst.listen(16)
    echo = udp(fam, addr, echo_port)
    state = {"calls": 0, "echoed": 0}
    lock = threading.Lock()
    socks = {}  # media socket -> call number

    def finish(*_):
        print("calls %d echoed %d" % (state["calls"], state["echoed"]), flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)

    def media_loop():
        while True:
            with lock:
                rs = list(socks) + [echo]
            r, _, _ = select.select(rs, [], [], 0.05)
            for s in r:
                try:
                    data, peer = s.recvfrom(2048)
                except OSError:
                    continue
                s.sendto(data, peer)
                if s is not echo:
                    with lock:
                        state["echoed"] += 1

    threading.Thread(target=media_loop, daemon=True).start()

    def client(conn, peer):
        f = conn.makefile("rwb", buffering=0)
        mine = {}
        for line in f:
            words = line.decode().split()
            if len(words) == 3 and words[0] == "CALL":
                n, cport = int(words[1]), int(words[2])
                m = udp(fam, addr)
                mine[n] = m
                if n % 2:  # the server's media first: a new flow S -> E
                    for i in range(5):
                        m.sendto(payload("rtp", i, 96), (peer[0], cport))
                with lock:
                    socks[m] = n
                    state["calls"] += 1
                f.write(b"OK %d %d\n" % (n, m.getsockname()[1]))
            elif len(words) == 2 and words[0] == "BYE":
                m = mine.pop(int(words[1]), None)
                if m:
                    with lock:
                        socks.pop(m, None)
                    m.close()
                f.write(b"BYE-OK\n")
        conn.close()

    while True:
        raw, peer = lst.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            continue
        threading.Thread(target=client, args=(conn, peer), daemon=True).start()


def connect(src, server, port):
    fam = family_of(server)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # a self-signed lab certificate
    raw = socket.socket(fam, socket.SOCK_STREAM)
    raw.bind((src, 0))
    raw.settimeout(5)
    raw.connect((server, port))
    return ctx.wrap_socket(raw)


def uac(src, server, port, calls, packets, junk):
    conn = connect(src, server, port)
    f = conn.makefile("rwb", buffering=0)
    fam = family_of(server)
    sent = echoed = from_server = junk_back = first_lost = 0
    for n in range(calls):
        m = udp(fam, src)
        f.write(b"CALL %d %d\n" % (n, m.getsockname()[1]))
        words = f.readline().decode().split()
        sport = int(words[2])
        got = set()
        server_first = 0
        for i in range(packets):
            m.sendto(payload("rtp", i, 0 if n % 4 else 111), (server, sport))
            sent += 1
            time.sleep(0.002)
            while select.select([m], [], [], 0)[0]:
                data = m.recv(2048)
                if data[1] == 96:
                    server_first += 1
                else:
                    got.add(struct.unpack("!H", data[2:4])[0])
        end = time.time() + 0.5
        while len(got) < packets or (n % 2 and server_first < 5):
            if not select.select([m], [], [], max(0, end - time.time()))[0]:
                break
            data = m.recv(2048)
            if data[1] == 96:
                server_first += 1
            else:
                got.add(struct.unpack("!H", data[2:4])[0])
        echoed += len(got)
        from_server += server_first
        first_lost += 0 not in got
        if junk:
            for kind in ("junk", "dns", "junk"):
                m.sendto(payload(kind), (server, sport))
            if select.select([m], [], [], 0.3)[0]:
                junk_back += 1
        f.write(b"BYE %d\n" % n)
        f.readline()
        m.close()
    conn.close()
    want_server = 5 * (calls // 2)
    print("calls %d sent %d echoed %d server %d junk_back %d first_lost %d"
          % (calls, sent, echoed, from_server, junk_back, first_lost), flush=True)
    return 0 if echoed == sent and from_server == want_server and junk_back == 0 else 1


def hold(src, server, port, seconds):
    conn = connect(src, server, port)
    end = time.time() + seconds
    while time.time() < end:
        conn.sendall(b"KEEPALIVE\n")
        time.sleep(1)
    conn.close()
    return 0


def probe(src, server, port, kind, sport):
    s = udp(family_of(server), src, sport)
    s.sendto(payload(kind, 1), (server, port))
    return 0 if select.select([s], [], [], 0.7)[0] else 1


def main(argv):
    mode = argv[1]
    if mode == "uas":
        uas(argv[2], int(argv[3]), argv[4], argv[5], int(argv[6]))
    if mode == "uac":
        return uac(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]), len(argv) > 7)
    if mode == "hold":
        return hold(argv[2], argv[3], int(argv[4]), float(argv[5]))
    if mode == "probe":
        return probe(argv[2], argv[3], int(argv[4]), argv[5], int(argv[6]) if len(argv) > 6 else 0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
