"""The command line edge: parse options, wire the seams, render events, map errors to exit codes."""
