"""Oracle ZFS Storage Appliance simulator for exalogic.backup tests (see tests/simulator/README.md)."""
