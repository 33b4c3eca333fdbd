"""ZAP engine providers: local process, container, remote; and the engine installer."""
