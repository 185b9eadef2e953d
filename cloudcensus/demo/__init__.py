"""The embedded demo: a fake cloud estate served on loopback, scanned for real."""
