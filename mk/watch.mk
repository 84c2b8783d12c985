# Meraki watch and the alert feed.
WATCH_PKGS := libsystemd libcrypto libpsl
PKG_LIBS   += $(shell pkg-config --libs $(WATCH_PKGS) 2>/dev/null)
AGENT_SRCS += agent/base/timefmt.c agent/base/statefile.c agent/alerts/alert.c agent/alerts/alert_kinds.c agent/alerts/redact.c \
              agent/base/reactor.c agent/watch/http.c agent/watch/linkhdr.c agent/watch/urlpolicy.c agent/watch/apikey.c \
              agent/alerts/spool.c agent/alerts/alertlog.c agent/alerts/sendq.c agent/alerts/webhook.c agent/alerts/alertmanager.c agent/alerts/erase.c agent/alerts/feed.c agent/alerts/audit.c \
              agent/watch/meraki_parse.c agent/watch/meraki_alerts.c agent/watch/meraki_merge.c \
              agent/watch/meraki_fetch.c agent/watch/meraki_sites.c agent/watch/meraki.c agent/cmd_watch.c agent/cmd_alerts.c
DEB_DEPS   += libsystemd-dev libssl-dev libpsl-dev python3 openssl prometheus-alertmanager jq curl
INTEG_TESTS += tests/integration/meraki.sh tests/integration/meraki_collector.sh tests/integration/meraki_directory.sh tests/integration/retention.sh tests/integration/meraki_sources.sh \
               tests/integration/alertmanager.sh \
               tests/integration/watch_log.sh tests/integration/alerts_erase.sh
FUZZ_TARGETS += meraki_json linkhdr
UNIT_TESTS   += linkhdr urlpolicy alert erase feed alertmanager sendq apikey meraki_parse meraki_merge meraki_sites reactor
BENCHES    += bench/meraki_calls.sh bench/meraki_budget.py bench/meraki_collector.sh
