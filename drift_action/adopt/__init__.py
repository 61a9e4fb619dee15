"""Adopting live values into Git: the manifest edits that make Git equal the cluster.

`choose` picks the differences to adopt from a report (pure), `yaml_edit` and `file_edit` make
the edits with a round-trip YAML editor, `present` turns them into a unified diff and into pull
request suggestions, and `plan` reads the files and serves the entry points. ruamel.yaml is
imported only here, and only when a run adopts.
"""
