# The agent daemon: `run`, `status`, control socket, NFLOG, violations, tamper defence.
AGENT_SRCS   += agent/daemon/control.c agent/daemon/nflog.c agent/daemon/violations.c agent/daemon/tamper.c agent/daemon/pinholes.c agent/daemon/verdicts.c agent/daemon/latency.c agent/daemon/status.c agent/daemon/metrics.c agent/daemon/upload.c agent/daemon/vpnpeers.c agent/daemon/resolve.c agent/daemon/daemon.c agent/cmd_run.c
UNIT_TESTS   += control nflog violations pinholes verdicts latency status metrics upload vpnpeers resolve
DEB_DEPS     += libnetfilter-log-dev
INTEG_TESTS  += tests/integration/agent.sh tests/integration/agent_spool.sh tests/integration/agent_tamper_own.sh \
                tests/integration/agent_cloexec.sh tests/integration/agent_require_encryption.sh \
                tests/integration/agent_reload.sh tests/integration/agent_audit.sh \
                tests/integration/appliance_peers.sh \
                tests/integration/agent_upload_signal.sh tests/integration/agent_upload_correlation.sh
