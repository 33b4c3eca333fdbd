"""The scan core: orchestrates a scan through the engine and target seams; never prints."""
