"""What to publish on GitHub, decided without talking to it: inputs, the event, comment and
issue bodies, check run annotations. `publish/github_api.py` does the talking."""
