# The agent daemon: event loop, `run`, `status`.
AGENT_SRCS   += agent/loop.c agent/control.c
UNIT_TESTS   += loop control
