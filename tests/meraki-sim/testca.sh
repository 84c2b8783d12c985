# testca.sh — sourced by the tests that serve HTTPS on loopback (the Dashboard
# simulator): test_ca DIR makes a test CA (DIR/ca.pem, DIR/ca.key) and a
# server certificate for 127.0.0.1 and localhost it signed (DIR/srv.pem,
# DIR/srv.key), valid 2 days. Returns non-zero if any step fails.
test_ca() {
	(cd "$1" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=ucfence test CA" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" \
			2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext.cnf &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
			-days 2 -extfile ext.cnf 2>/dev/null)
}
