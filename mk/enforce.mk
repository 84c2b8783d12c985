# Enforcement: the netlink sockets every netlink user shares (base/nl), policy compiler, nft text and netlink renderers, enforcer,
# routes; `ucfence plan|apply|flush`. Paths here are literal because this
# fragment is read before the Makefile defines REL/SAN.
AGENT_SRCS   += agent/base/nl.c agent/enforce/policy.c agent/enforce/nft_text.c agent/enforce/nft_expr.c agent/enforce/nft_batch.c agent/enforce/enforcer.c \
                agent/enforce/route.c agent/cmd_enforce.c
UNIT_TESTS   += nl policy nft_text nft_batch enforcer
INTEG_TESTS  += tests/integration/enforce_concentrator.sh tests/integration/enforce_appliance.sh \
                tests/integration/enforce_apply.sh tests/integration/enforce_elements.sh
BENCHES      += bench/enforce.sh
DEB_DEPS     += iperf3 perl

# This fragment defines rules before the Makefile's `all`: keep `all` the default.
.DEFAULT_GOAL := all

# Test tools the integration scripts build on demand (`make -C ROOT TARGET`):
# the lab's traffic tool, and a sanitizer build of ucfence whose policy adds
# one rule the kernel must reject (UCF_FAULT_INJECT exists only here).
build/lab/labnet: tests/lab/labnet.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -D_GNU_SOURCE -O2 -o $@ $<

.PHONY: enforce-fault-binary
enforce-fault-binary:
	$(MAKE) --no-print-directory build/san/ucfence
	@mkdir -p build/san/fault
	$(ASAN_CC) $(SAN_CFLAGS) -DUCF_FAULT_INJECT -c -o build/san/fault/policy.o agent/enforce/policy.c
	$(ASAN_CC) $(SAN_FLAGS) -o build/san/ucfence-fault build/san/agent/main.o \
		$(filter-out build/san/agent/enforce/policy.o,$(SAN_OBJS)) build/san/fault/policy.o $(PKG_LIBS)

# enforce_elements.sh's driver: the enforcer's media and block updates, from
# the sanitizer build's objects.
.PHONY: enforce-test-tool
enforce-test-tool:
	$(MAKE) --no-print-directory build/san/ucfence
	@mkdir -p build/lab
	$(ASAN_CC) $(SAN_CFLAGS) -o build/lab/enforce_tool tests/lab/enforce_tool.c $(SAN_OBJS) $(PKG_LIBS)

# bench/enforce.sh's driver: the enforcer measured through ucfence's own objects.
.PHONY: enforce-bench-tool
enforce-bench-tool: ucfence
	@mkdir -p build/bench
	$(CC) $(ALL_CFLAGS) -o build/bench/bench_enforce bench/bench_enforce.c $(REL_OBJS) $(PKG_LIBS)
