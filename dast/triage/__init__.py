"""Triage input: suppressions and overrides, their files, and the importer for ZAP's rules files."""
