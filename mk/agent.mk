# The agent daemon: event loop, `run`, `status`.
AGENT_SRCS   += agent/loop.c agent/control.c agent/nflog.c
UNIT_TESTS   += loop control nflog
DEB_DEPS     += libnetfilter-log-dev
