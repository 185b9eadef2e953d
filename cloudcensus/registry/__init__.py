"""The central registry service: ingest API (wire v1), read API, admin API, database.

Entry points: `cloudcensus.registry.app.create_app(settings)` and the click group
`cloudcensus.registry.cli.registry`. Nothing is created at import.
"""
