# The agent daemon: event loop, `run`, `status`.
AGENT_SRCS   += agent/loop.c agent/control.c agent/nflog.c agent/violations.c
UNIT_TESTS   += loop control nflog violations
DEB_DEPS     += libnetfilter-log-dev
