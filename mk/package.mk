INTEG_TESTS  += tests/integration/package.sh
DEB_DEPS     += mmdebstrap
