# The agent daemon: `run`, `status`, control socket, NFLOG, violations, tamper defence.
AGENT_SRCS   += agent/control.c agent/nflog.c agent/violations.c agent/tamper.c
UNIT_TESTS   += control nflog violations
DEB_DEPS     += libnetfilter-log-dev
