"""tls_echo.py — TLS for the lab (tests/lab/lab.sh): signalling that is
encrypted on the wire, as SIP over TLS is.

  serve ADDR PORT CERT KEY      accepts TLS connections; echoes each line
  connect ADDR PORT CAFILE [MS] one TLS handshake (the certificate checked
                                against CAFILE, name "lab"), sends a line and
                                waits MS (default 2000) for its echo; prints
                                the TLS version and exits 0, or prints why and
                                exits 1
"""
import socket
import ssl
import sys
import threading


def serve(addr, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(16)

    def echo(c):
        c.settimeout(10)
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                while True:
                    data = t.recv(4096)
                    if not data:
                        break
                    t.sendall(data)
        except (OSError, ssl.SSLError):
            pass

    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def connect(addr, port, cafile, ms="2000"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    try:
        with socket.create_connection((addr, int(port)), timeout=int(ms) / 1000.0) as s:
            with ctx.wrap_socket(s, server_hostname="lab") as t:
                t.sendall(b"OPTIONS sips:echo@lab SIP/2.0\r\n")
                got = t.recv(4096)
                if not got.startswith(b"OPTIONS"):
                    print("no echo")
                    return 1
                print(t.version())
                return 0
    except (OSError, ssl.SSLError) as e:
        print("failed: %s" % e)
        return 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        serve(*sys.argv[2:])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "connect":
        sys.exit(connect(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
