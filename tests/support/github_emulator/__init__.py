"""A GitHub REST API emulator for tests: real HTTP on 127.0.0.1 that PyGithub talks to.

    with GitHubEmulator() as gh:
        number = gh.add_pull_request(head_sha)
        ...  # GITHUB_API_URL=gh.base_url; then gh.comments(number), gh.check_runs(), gh.issues()
        gh.inject(Fault(403, path_regex=r"/comments"))

It serves issue comments (paginated with Link headers), check runs (50 annotations per
request, 65,535-character outputs), issues (state and label filters), GET /user and GraphQL's
minimizeComment, keeps their state, enforces GitHub's limits with 422, and records requests.
Pull request reviews (reviews.py): `gh.set_pull_files(number, {path: patch})` gives a PR its
diff; review comments are taken only on its lines, as GitHub takes them.
"""

from . import reviews as _reviews  # noqa: F401 (registers the review routes)
from .emulator import GitHubEmulator, RequestRecord
from .faults import NOT_ACCESSIBLE, Fault
from .store import ACTIONS_BOT, BODY_LIMIT, OUTPUT_LIMIT, User

__all__ = [
    "ACTIONS_BOT",
    "BODY_LIMIT",
    "NOT_ACCESSIBLE",
    "OUTPUT_LIMIT",
    "Fault",
    "GitHubEmulator",
    "RequestRecord",
    "User",
]
