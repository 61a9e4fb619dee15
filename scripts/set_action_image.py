"""Point action.yml's `runs.image` at a prebuilt image (run by .github/workflows/release.yml).

    python scripts/set_action_image.py docker://ghcr.io/OWNER/drift-action:1.2.3 [action.yml]

main keeps `image: Dockerfile` (GitHub builds the checkout's Dockerfile, for development); a
release commit runs the image the release workflow pushed. Only the `image:` line of the `runs:`
block changes, so the rest of the file (comments, order) stays as reviewed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

IMAGE_LINE = re.compile(r"^(  image:)[ \t]*\S.*$", re.MULTILINE)
REFERENCE = re.compile(r"^docker://[a-z0-9.-]+(?::[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+$")


def set_image(text: str, reference: str) -> str:
    if not REFERENCE.fullmatch(reference):
        raise ValueError(f"not a docker:// image reference with a tag: {reference!r}")
    runs = text.find("\nruns:\n")
    if runs < 0:
        raise ValueError("action.yml has no top-level runs: block")
    head, block = text[: runs + 7], text[runs + 7 :]
    new_block, count = IMAGE_LINE.subn(lambda m: f"{m[1]} {reference}", block, count=1)
    if count != 1:
        raise ValueError("action.yml's runs: block has no image: line")
    return head + new_block


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[2] if len(argv) == 3 else "action.yml")
    path.write_text(set_image(path.read_text(encoding="utf-8"), argv[1]), encoding="utf-8")
    print(f"{path}: runs.image = {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
