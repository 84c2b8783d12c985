# Foundation: value grammars, catalog, config, `check`.
AGENT_SRCS   += agent/values.c agent/yamlnode.c agent/catalog.c agent/config.c agent/cli.c agent/cmd_check.c
UNIT_TESTS   += values catalog config readme grow
FUZZ_TARGETS += config catalog
INTEG_TESTS  += tests/integration/cli.sh
