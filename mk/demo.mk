# The newcomer demo: `make demo`, as root, installs what is missing,
# builds ./ucfence, then runs the agent in a network-namespace lab
# (tests/demo/demo.sh: about 30 s; exit 0 only if everything it shows
# happened). It leaves nothing behind.
.PHONY: demo
demo:
	@[ "$$(id -u)" = 0 ] || { echo "make demo: needs root (network namespaces): sudo make demo"; exit 1; }
	@$(MAKE) --no-print-directory ensure-deps
	@echo "building ./ucfence"
	@$(MAKE) --no-print-directory -s ucfence build/lab/labnet
	@tests/demo/demo.sh
INTEG_TESTS  += tests/integration/demo.sh
