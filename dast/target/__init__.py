"""Target runtimes: the application under test, started in a container or already deployed."""
