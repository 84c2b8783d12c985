# The personal-data inventory (README, "Personal data ucfence keeps") checked against the lab's outputs.
INTEG_TESTS  += tests/integration/privacy_inventory.sh
