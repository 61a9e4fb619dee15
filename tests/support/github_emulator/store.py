"""The emulator's state: users, pull requests, issues (pull requests share their numbers),
issue comments and check runs, as JSON shaped like GitHub's REST answers."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# GitHub's limits, enforced with 422 as GitHub does.
BODY_LIMIT = 65_536  # issue and comment bodies, characters
OUTPUT_LIMIT = 65_535  # a check run's output summary and text, characters
ANNOTATIONS_PER_REQUEST = 50
CONCLUSIONS = frozenset(
    {
        "action_required",
        "cancelled",
        "failure",
        "neutral",
        "success",
        "skipped",
        "stale",
        "timed_out",
    }
)
LEVELS = frozenset({"notice", "warning", "failure"})


@dataclass(frozen=True)
class User:
    login: str
    id: int
    type: str = "User"  # or "Bot"

    def as_json(self, base: str) -> dict[str, Any]:
        return {
            "login": self.login,
            "id": self.id,
            "node_id": _node("U", self.id),
            "type": self.type,
            "site_admin": False,
            "url": f"{base}/users/{self.login}",
            "html_url": f"https://github.example/{self.login}",
        }


ACTIONS_BOT = User("github-actions[bot]", 41898282, "Bot")


def _node(prefix: str, number: int) -> str:
    return prefix + "_" + base64.b64encode(f"{prefix}{number}".encode()).decode().rstrip("=")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    user: User
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    minimized: str | None = None  # the classifier, once hidden
    edits: int = 0

    @property
    def node_id(self) -> str:
        return _node("IC", self.id)


@dataclass
class Issue:
    number: int
    title: str
    body: str
    user: User
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    state_reason: str | None = None
    pull_head: str | None = None  # a pull request: its head commit
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    edits: int = 0

    @property
    def is_pull(self) -> bool:
        return self.pull_head is not None


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]] = field(default_factory=list)
    updates: int = 0


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.commits: set[str] = set()
        # Pull request reviews (reviews.py): each PR's files and patches, reviews, comments.
        self.pull_files: dict[int, dict[str, str]] = {}
        self.reviews: dict[int, Any] = {}
        self.review_comments: dict[int, Any] = {}
        self._next_number = 1
        self._next_id = 1_000_001

    def next_number(self) -> int:
        with self.lock:
            number, self._next_number = self._next_number, self._next_number + 1
            return number

    def next_id(self) -> int:
        with self.lock:
            ident, self._next_id = self._next_id, self._next_id + 1
            return ident
