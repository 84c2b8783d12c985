# Meraki watch and the alert feed.
WATCH_PKGS := libsystemd libcrypto libpsl
PKG_LIBS   += $(shell pkg-config --libs $(WATCH_PKGS) 2>/dev/null)
AGENT_SRCS += agent/timefmt.c agent/statefile.c agent/alert.c agent/alert_kinds.c agent/redact.c \
              agent/reactor.c agent/http.c agent/linkhdr.c agent/urlpolicy.c agent/apikey.c \
              agent/spool.c agent/alertlog.c agent/webhook.c agent/feed.c \
              agent/meraki_parse.c agent/meraki_alerts.c agent/meraki_merge.c \
              agent/meraki_fetch.c agent/meraki.c agent/cmd_watch.c agent/cmd_alerts.c
DEB_DEPS   += libsystemd-dev libssl-dev libpsl-dev python3 openssl
INTEG_TESTS += tests/integration/meraki.sh
FUZZ_TARGETS += meraki_json linkhdr
UNIT_TESTS   += linkhdr urlpolicy alert feed apikey meraki_parse meraki_merge reactor
BENCHES    += bench/meraki_calls.sh bench/meraki_budget.py
