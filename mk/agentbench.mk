# The agent's flood, metrics, notification and media-lifetime lab tests, and its benchmark (pinhole latency,
# RSS and CPU at idle and under load).
INTEG_TESTS  += tests/integration/agent_flood.sh tests/integration/agent_metrics.sh \
                tests/integration/agent_notify.sh tests/integration/agent_media_life.sh
BENCHES      += bench/agent.sh

# bench/agent.sh's reference: capture-to-process delay through the agent's capture code alone.
build/bench/bench_capture_delay: bench/bench_capture_delay.c ucfence
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(REL_OBJS) $(PKG_LIBS)
# The signalling trust boundary (forged announcements and BYEs, a forged-INVITE flood beside real calls) and
# the classifier's verdicts in the kernel, in the lab; tests/lab/forge.py forges. Its benchmark: INVITEs/s the
# agent handles under a forged flood against the classifier alone, and pinhole latency meanwhile.
INTEG_TESTS  += tests/integration/agent_forged.sh tests/integration/agent_forged_flood.sh \
                tests/integration/agent_verdicts.sh
BENCHES      += bench/agent_forged.sh
