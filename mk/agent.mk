# The agent daemon: event loop, `run`, `status`.
AGENT_SRCS   += agent/loop.c
UNIT_TESTS   += loop
