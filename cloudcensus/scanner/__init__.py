"""The agent: configuration, scan pipeline, local store, CLI."""
