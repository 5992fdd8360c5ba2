"""Framework-level rules, one per module: each checks one thing and returns its diagnostics."""
