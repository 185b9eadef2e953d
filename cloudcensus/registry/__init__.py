"""The central registry service (ingest and read APIs). Built in a later increment."""
