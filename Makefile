# ucfence — build, test, install. `make help` lists the targets.
# Module fragments in mk/*.mk append to AGENT_SRCS, UNIT_TESTS, FUZZ_TARGETS,
# INTEG_TESTS, BENCHES and DEB_DEPS, so each module owns its own build lines.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
RULES_DIR  ?= $(DATADIR)/ucfence/rules
LOCAL_RULES_DIR ?= $(SYSCONFDIR)/ucfence/rules.d
VERSION    := 0.1.0

CC       ?= cc
ASAN_CC  ?= clang
PKGS     := yaml-0.1 jansson libnftnl libmnl libpcap libcurl libnetfilter_log
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The agent's parts, one folder each (README "Layout"); a header is found by
# its name wherever its part lives.
AGENT_DIRS := agent agent/base agent/config agent/enforce agent/classify agent/classify/proto \
              agent/watch agent/alerts agent/daemon
AGENT_INC  := $(addprefix -I,$(AGENT_DIRS))
WARN     := -std=c17 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
DEFS     := -D_GNU_SOURCE -DUCF_VERSION='"$(VERSION)"' -DUCF_RULES_DIR='"$(RULES_DIR)"' \
            -DUCF_LOCAL_RULES_DIR='"$(LOCAL_RULES_DIR)"'
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(WARN) $(DEFS) $(PKG_CFLAGS) $(AGENT_INC) $(CPPFLAGS) $(CFLAGS)
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# The sanitizer build is for tests only, never installed: it reads the source
# tree's catalog and no site additions, so tests are hermetic.
SAN_DEFS := -D_GNU_SOURCE -DUCF_VERSION='"$(VERSION)"' -DUCF_RULES_DIR='"$(CURDIR)/rules"' \
            -DUCF_LOCAL_RULES_DIR='"$(CURDIR)/build/san/no-rules.d"'
SAN_CFLAGS := $(WARN) $(SAN_DEFS) $(PKG_CFLAGS) $(AGENT_INC) $(SAN_FLAGS)

AGENT_SRCS   :=
UNIT_TESTS   :=
FUZZ_TARGETS :=
INTEG_TESTS  :=
BENCHES      :=
# The sanitizer runtime must match the clang that builds with it: the installed
# clang's major version, or before clang is installed, the distribution's
# default (libclang-rt-dev goes with the default clang, bookworm and later).
CLANG_RT_DEV := $(shell v=$$(clang -dumpversion 2>/dev/null | cut -d. -f1); \
                  echo libclang-rt-$${v:+$$v-}dev)
DEB_DEPS     := build-essential clang pkg-config $(CLANG_RT_DEV) libyaml-dev libjansson-dev \
                libnftnl-dev libmnl-dev libpcap-dev libcurl4-openssl-dev libcmocka-dev \
                nftables iproute2 debhelper dpkg-dev lintian fakeroot
include $(sort $(wildcard mk/*.mk))

REL := build/rel
SAN := build/san
REL_OBJS := $(AGENT_SRCS:%.c=$(REL)/%.o)
SAN_OBJS := $(AGENT_SRCS:%.c=$(SAN)/%.o)
UNIT_BINS := $(UNIT_TESTS:%=$(SAN)/tests/test_%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(SAN)/fuzz/fuzz_%)

.PHONY: all deps ensure-deps check unit fuzz bench install deb clean help
all: ucfence

help:
	@echo "make demo       the self-contained demo (as root): the agent in a namespace lab"
	@echo "make            build ./ucfence"
	@echo "make deps       install build and test dependencies (apt-get)"
	@echo "make check      the whole test suite under ASan+UBSan (installs what is missing)"
	@echo "make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench      benchmarks (reported, not pass/fail)"
	@echo "make install    DESTDIR=... PREFIX=..."
	@echo "make deb        build the Debian package (build/deb/) and run lintian"

ucfence: $(REL)/agent/main.o $(REL_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# Objects depend on the paths compiled into them, so `make install PREFIX=/usr`
# after a plain `make` rebuilds with the right catalog path.
BUILD_ID := $(VERSION) $(RULES_DIR) $(LOCAL_RULES_DIR) $(CURDIR)
build/%/.paths: FORCE
	@mkdir -p $(dir $@); echo "$(BUILD_ID)" | cmp -s - $@ || echo "$(BUILD_ID)" > $@
.PHONY: FORCE
.PRECIOUS: build/%/.paths

# Each object depends on the headers it includes (-MMD -MP: the compiler
# writes them to a .d beside it; a header that goes away breaks nothing).
$(REL)/%.o: %.c Makefile $(REL)/.paths
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/%.o: %.c Makefile $(SAN)/.paths
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/ucfence: $(SAN)/agent/main.o $(SAN_OBJS)
	$(ASAN_CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

$(SAN)/tests/test_%: tests/unit/test_%.c $(SAN_OBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(SAN_CFLAGS) -Itests/unit -o $@ $< $(SAN_OBJS) $(PKG_LIBS) -lcmocka

# Fuzz targets link the agent's objects built once with coverage hooks
# (fuzzer-no-link) rather than recompiling every source per target.
FZ := build/fuzz
FUZZ_OBJS := $(AGENT_SRCS:%.c=$(FZ)/%.o)
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all

$(FZ)/%.o: %.c Makefile $(SAN)/.paths
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(WARN) $(SAN_DEFS) $(PKG_CFLAGS) $(AGENT_INC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

-include $(wildcard $(REL_OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(REL)/agent/main.d \
	$(SAN)/agent/main.d)

$(SAN)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(WARN) $(SAN_DEFS) $(PKG_CFLAGS) $(AGENT_INC) $(FUZZ_FLAGS) -fsanitize=fuzzer \
		-o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

deps:
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(sort $(DEB_DEPS))

# Installs only when something is missing, so `make check` works from nothing
# and costs a dpkg query when everything is there.
ensure-deps:
	@missing=$$(dpkg-query -W -f='$${Status} $${Package}\n' $(sort $(DEB_DEPS)) 2>&1 \
		| awk '!/install ok installed/'); \
	if [ -n "$$missing" ]; then echo "installing missing dependencies"; $(MAKE) --no-print-directory deps; fi

check: ensure-deps
	$(MAKE) --no-print-directory ucfence $(SAN)/ucfence $(UNIT_BINS) $(FUZZ_BINS)
	UCFENCE=$(CURDIR)/$(SAN)/ucfence tests/run-suite \
		$(UNIT_BINS:%=unit:%) $(foreach t,$(FUZZ_TARGETS),fuzz:$(SAN)/fuzz/fuzz_$(t):tests/fuzz/corpus/$(t)) \
		$(INTEG_TESTS:%=script:%)

unit: $(UNIT_BINS)
	tests/run-suite $(UNIT_BINS:%=unit:%)

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do mkdir -p build/fuzz-corpus/$$t; \
		$(SAN)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) build/fuzz-corpus/$$t tests/fuzz/corpus/$$t || exit 1; done

bench: ucfence
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

# The config a fresh install gets: the example with the Meraki watch off and
# no webhook, so nothing is polled or posted before the admin edits it.
build/ucfence.yaml: config/example.yaml
	@mkdir -p build
	sed -e '/^meraki:/,/^[a-z]/ s/^  enabled: true /  enabled: false/' \
	    -e '/^  webhook:/,/^    format:/ s/^/#/' -e '/^metrics:/,/^  textfile:/ s/^/#/' $< > $@

install: ucfence build/ucfence.yaml
	install -D -m 0755 ucfence $(DESTDIR)$(SBINDIR)/ucfence
	install -d $(DESTDIR)$(RULES_DIR) $(DESTDIR)$(LOCAL_RULES_DIR)
	install -m 0644 rules/*.yaml $(DESTDIR)$(RULES_DIR)/
	install -D -m 0644 build/ucfence.yaml $(DESTDIR)$(SYSCONFDIR)/ucfence/ucfence.yaml
	install -D -m 0644 man/ucfence.8 $(DESTDIR)$(MANDIR)/man8/ucfence.8
	install -D -m 0644 man/ucfence.yaml.5 $(DESTDIR)$(MANDIR)/man5/ucfence.yaml.5

# An unsigned source and binary package from the tracked files, then lintian.
DEB_DIR := build/deb/ucfence-$(VERSION)
deb:
	rm -rf build/deb && mkdir -p $(DEB_DIR)
	git ls-files -z | grep -zv '^packaging/debian/' | xargs -0 cp -a --parents -t $(DEB_DIR)
	cp -a packaging/debian $(DEB_DIR)/debian
	cd $(DEB_DIR) && dpkg-buildpackage -us -uc --no-sign
	lintian --fail-on error,warning build/deb/ucfence_$(VERSION)_*.changes

clean:
	rm -rf build ucfence
