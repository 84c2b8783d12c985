# The agent's flood, metrics, notification and media-lifetime lab tests, and its benchmark (pinhole latency,
# RSS and CPU at idle and under load).
INTEG_TESTS  += tests/integration/agent_flood.sh tests/integration/agent_metrics.sh \
                tests/integration/agent_notify.sh tests/integration/agent_media_life.sh
BENCHES      += bench/agent.sh

# bench/agent.sh's reference: capture-to-process delay through the agent's capture code alone.
build/bench/bench_capture_delay: bench/bench_capture_delay.c ucfence
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(REL_OBJS) $(PKG_LIBS)
