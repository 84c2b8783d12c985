# The agent's flood and metrics lab tests, and its benchmark (pinhole latency,
# RSS and CPU at idle and under load).
INTEG_TESTS  += tests/integration/agent_flood.sh tests/integration/agent_metrics.sh
BENCHES      += bench/agent.sh
