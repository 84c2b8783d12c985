# Foundation: value grammars, catalog, config, `check`.
AGENT_SRCS   += agent/base/log.c agent/base/values.c agent/base/yamlnode.c agent/config/catalog.c agent/config/config.c agent/cli.c agent/cmd_check.c
UNIT_TESTS   += values catalog config readme grow log
FUZZ_TARGETS += config catalog
INTEG_TESTS  += tests/integration/cli.sh tests/integration/layout.sh
