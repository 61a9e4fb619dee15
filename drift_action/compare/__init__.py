"""The comparison, pure: no file, network or program is touched here.

`verdicts.compare()` gives each desired object a verdict; one object's comparison runs as
stages, each a function from one record to the next: `normalize_pair` (`normalize`), then
`diff_pair` (`diff` field by field; `ownership` with `managed_fields` and `managers`: who wrote
what, what was added by hand or dropped from Git), then `classify` (the `set_aside` rules;
`marks`: Terraform's unknown and sensitive values), then `rule` (`rules`: the user's ignore and
severity rules). `merge_keys` says how lists match, `extras` finds live objects Git does not
name, `dry_run` judges server-side dry runs, `observations` turns Terraform's own view into
results.
"""
