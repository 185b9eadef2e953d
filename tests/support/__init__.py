"""Helpers the provider test suites share: a collecting sink, moto on a thread, faults."""
