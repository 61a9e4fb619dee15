"""GitHubEmulator: the repository's state, who the token is, faults, the request log, and the
server's lifecycle."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from .faults import Fault, Faults
from .routes import HttpError
from .server import EmulatorServer
from .store import ACTIONS_BOT, CheckRun, Comment, Issue, Store, User


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # as sent, with the API prefix
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    body: str = ""  # the request body as text
    headers: dict[str, str] = field(default_factory=dict)  # without Authorization
    at: float = field(default=0.0, compare=False)  # time.monotonic() when the request arrived


class GitHubEmulator:
    """GitHub's REST API for one repository, on 127.0.0.1.

    `token` is the only credential accepted ("token ..." or "Bearer ..."; else 401). It acts
    as `user`: by default github-actions[bot], as GITHUB_TOKEN does (a Bot, for whom GET /user
    answers 403); pass a User for a personal access token. `prefix` "/api/v3" serves the API
    as GitHub Enterprise Server does (GraphQL then at /api/graphql).
    """

    def __init__(
        self,
        *,
        token: str = "ghs_emulatortoken0000000000000000000000",
        repository: str = "octo-org/shop",
        user: User = ACTIONS_BOT,
        prefix: str = "",
    ) -> None:
        self.token = token
        self.repository = repository
        self.user = user
        self.prefix = prefix.rstrip("/")
        self.graphql_path = (self.prefix.removesuffix("/v3") or "") + "/graphql"
        self.store = Store()
        self.faults = Faults()
        self._records: list[RequestRecord] = []
        self._records_lock = threading.Lock()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- state -------------------------------------------------------------------------------

    def add_pull_request(self, head_sha: str, *, title: str = "Change the shop") -> int:
        with self.store.lock:
            number = self.store.next_number()
            author = User("contributor", 7)
            self.store.issues[number] = Issue(number, title, "", author, pull_head=head_sha)
            self.store.commits.add(head_sha)
            return number

    def set_pull_files(self, number: int, files: dict[str, str]) -> None:
        """The pull request's diff: each changed file's patch, as GET .../pulls/N/files gives."""
        with self.store.lock:
            self.store.pull_files[number] = dict(files)

    def review_comments(self, number: int) -> list[Any]:
        with self.store.lock:
            found = [c for c in self.store.review_comments.values() if c.pull == number]
            return sorted(found, key=lambda c: int(c.id))

    def reviews(self, number: int) -> list[Any]:
        with self.store.lock:
            found = [r for r in self.store.reviews.values() if r.pull == number]
            return sorted(found, key=lambda r: int(r.id))

    def add_commit(self, sha: str) -> None:
        self.store.commits.add(sha)

    def add_comment(self, number: int, body: str, user: User) -> Comment:
        with self.store.lock:
            comment = Comment(self.store.next_id(), number, body, user)
            self.store.comments[comment.id] = comment
            return comment

    def add_issue(
        self, title: str, body: str, user: User, labels: list[str] | None = None
    ) -> Issue:
        with self.store.lock:
            issue = Issue(self.store.next_number(), title, body, user, list(labels or []))
            self.store.issues[issue.number] = issue
            return issue

    def comments(self, number: int) -> list[Comment]:
        with self.store.lock:
            return sorted(
                (c for c in self.store.comments.values() if c.issue == number), key=lambda c: c.id
            )

    def issues(self, *, state: str = "all", pulls: bool = False) -> list[Issue]:
        with self.store.lock:
            return [
                i
                for i in sorted(self.store.issues.values(), key=lambda i: i.number)
                if (state == "all" or i.state == state) and i.is_pull == pulls
            ]

    def check_runs(self) -> list[CheckRun]:
        with self.store.lock:
            return sorted(self.store.check_runs.values(), key=lambda r: r.id)

    # -- auth, faults, request log -----------------------------------------------------------

    def authenticate(self, header: str) -> User:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or credential != self.token:
            raise HttpError(401, "Bad credentials")
        return self.user

    def inject(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        status: int,
        body: str,
        headers: dict[str, str],
        at: float | None = None,
    ) -> None:
        at = time.monotonic() if at is None else at
        with self._records_lock:
            self._records.append(RequestRecord(method, path, query, status, body, headers, at))

    @property
    def requests(self) -> list[RequestRecord]:
        with self._records_lock:
            return list(self._records)

    def reset_requests(self) -> None:
        with self._records_lock:
            self._records.clear()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else 0

    @property
    def base_url(self) -> str:
        """The API URL, as GITHUB_API_URL gives it."""
        if self._server is None:
            raise RuntimeError("github emulator is not running; use it as a context manager")
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def start(self) -> GitHubEmulator:
        if self._server is None:
            self._server = EmulatorServer(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="github-emulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
