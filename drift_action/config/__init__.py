"""The config file (`.drift.yaml`): ignore and severity rules, field managers, and the sources
one run renders. `file` reads and checks it; `sources` reads its `sources:` list."""
