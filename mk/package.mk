INTEG_TESTS  += tests/integration/package.sh tests/integration/systemd_unit.sh
# systemd-container: systemd-nspawn boots the unit's test container; procps:
# the tests find the container's and the agent's processes with pgrep/ps.
DEB_DEPS     += mmdebstrap systemd-container procps
