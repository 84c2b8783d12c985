# The agent daemon: `run`, `status`, control socket, NFLOG, violations, tamper defence.
AGENT_SRCS   += agent/control.c agent/nflog.c agent/violations.c agent/tamper.c agent/pinholes.c agent/verdicts.c agent/latency.c agent/metrics.c agent/daemon.c agent/cmd_run.c
UNIT_TESTS   += control nflog violations pinholes verdicts latency
DEB_DEPS     += libnetfilter-log-dev
INTEG_TESTS  += tests/integration/agent.sh tests/integration/agent_spool.sh tests/integration/agent_tamper_own.sh
