"""Rule engine, built-in rule packs and comply-or-explain explanations."""
