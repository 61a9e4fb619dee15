"""GitHub: what to publish, decided without talking to it (the event, inputs, comment and issue
bodies and decisions, check run annotations: `context`, `inputs`, `settings`, `comment`,
`issue`, `checks`), the protocol over plain records for the calls (`api`), its one PyGithub
implementation (`pygithub`), the publishing itself (`publish`), and the runner's workflow
commands, job summary and outputs (`workflow_commands`)."""
