INTEG_TESTS  += tests/integration/package.sh
