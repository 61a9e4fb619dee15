"""Trim an installed site-packages the way the Dockerfile's builder stage does (issue 20).

    python scripts/trim_image.py SITE_PACKAGES

Five steps, each checked before anything is removed:

1. helm-python-sdk ships the same shared library three times (libhelm_c.so, .so.0, .so.0.2.2,
   about 85 MB each). When the copies are byte-identical (sha256), the two shorter names become
   relative symlinks to the fully versioned file, which is the one helm_python loads first.
2. kubernetes/aio (the asyncio client, about 68 MB with its bytecode) is removed: drift-action
   and the synchronous kubernetes client never import it.
3. The distributions only kubernetes/aio needs (aiohttp and its helpers, AIO_ONLY) are removed
   file by file from their RECORD, after checking that no other installed distribution
   requires them. The kubernetes wheel still lists them, so `pip check` inside the trimmed
   install reports them missing; the image has no pip, and the tests import what it runs.
4. cryptography goes the same way (JWT_ONLY): it is there only through PyGithub's
   `pyjwt[crypto]`, for signing a GitHub App's JWT. drift-action authenticates with a token
   and never signs one; PyJWT imports cryptography only if it is installed.
5. The kubernetes package becomes sourceless: each module compiled to a `.pyc` beside where
   its source was (compileall's legacy layout, which Python imports when no `.py` exists), then
   the sources and `__pycache__` go. It is 33 MB of generated model classes whose sources no
   run reads; a traceback through them shows file and line, not the line's text. This must run
   with the image's Python version: the script checks pip's bytecode magic against its own.

bench/image_size.py runs this same script on a fresh install to measure the image content.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.util
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

# Installed by the kubernetes wheel for kubernetes.aio only (see the `# via` lines of
# requirements.lock: each is pulled in by kubernetes, aiohttp or another name of this list).
AIO_ONLY = (
    "aiohttp",
    "aiohttp-retry",
    "aiohappyeyeballs",
    "aiosignal",
    "attrs",
    "frozenlist",
    "multidict",
    "propcache",
    "yarl",
)
# The one distribution allowed to require them: its requirements cover kubernetes.aio.
AIO_OWNER = "kubernetes"
# Installed for PyJWT's `crypto` extra only, which PyGithub asks for to sign App JWTs.
JWT_ONLY = ("cryptography",)
# Made sourceless (step 5).
SOURCELESS = ("kubernetes",)


def canonicalize_name(name: str) -> str:
    """PEP 503 names (the builder's interpreter has no `packaging`: standard library only)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def required_name(text: str) -> str | None:
    """The distribution a Requires-Dist line names, or None when it is for an extra only."""
    if re.search(r"\bextra\s*==", text):
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return canonicalize_name(match[1]) if match else None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dedupe_helm_lib(site: Path) -> list[str]:
    """Replace the identical copies of libhelm_c by symlinks to the longest-named file."""
    lib = site / "helm_python" / "lib"
    files = sorted(p for p in lib.glob("libhelm_c.so*") if p.is_file() and not p.is_symlink())
    if len(files) < 2:
        return []
    target = max(files, key=lambda p: len(p.name))
    expected = sha256(target)
    different = [p.name for p in files if p != target and sha256(p) != expected]
    if different:
        raise SystemExit(f"{lib}: {', '.join(different)} differ from {target.name}; not linked")
    done = []
    for path in files:
        if path == target:
            continue
        path.unlink()
        path.symlink_to(target.name)
        done.append(f"{path.name} -> {target.name}")
    return done


def drop_kubernetes_aio(site: Path) -> list[str]:
    aio = site / "kubernetes" / "aio"
    if not aio.is_dir():
        return []
    shutil.rmtree(aio)
    return ["kubernetes/aio"]


def _installed(site: Path) -> dict[str, metadata.Distribution]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist
        for dist in metadata.distributions(path=[str(site)])
    }


def drop_aio_only_distributions(site: Path) -> list[str]:
    return drop_distributions(site, AIO_ONLY, owner=AIO_OWNER)


def drop_jwt_only_distributions(site: Path) -> list[str]:
    return drop_distributions(site, JWT_ONLY, owner=None)


def drop_distributions(site: Path, names: tuple[str, ...], *, owner: str | None) -> list[str]:
    """Remove the installed distributions among `names`, file by file from their RECORD, unless
    a distribution other than `owner` (or one of them) requires one outside an extra."""
    installed = _installed(site)
    dropping = {canonicalize_name(name) for name in names} & installed.keys()
    for name, dist in installed.items():
        if name in dropping or name == owner:
            continue
        for text in dist.requires or []:
            if required_name(text) in dropping:
                raise SystemExit(f"{name} requires {text}: not removing {', '.join(names)}")
    done = []
    emptied: set[Path] = set()
    for name in sorted(dropping):
        dist = installed[name]
        for file in dist.files or []:
            path = Path(os.path.normpath(site / file))
            if path.is_relative_to(site) and (path.is_file() or path.is_symlink()):
                path.unlink()
                emptied.add(path.parent)
        info = Path(str(dist._path))  # type: ignore[attr-defined]
        if info.is_dir():
            shutil.rmtree(info)
        done.append(name)
    # The folders those files were in (package folders, their __pycache__), once empty; no other.
    for start in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        folder = start
        while folder != site and folder.is_relative_to(site) and folder.is_dir():
            if any(folder.iterdir()):
                break
            folder.rmdir()
            folder = folder.parent
    return done


def make_sourceless(package: Path) -> int:
    """Compile every module of `package` to a legacy `.pyc` beside it, then drop the sources
    and `__pycache__`. Returns the number of modules; stops before deleting anything when the
    installed bytecode was made by another Python version (the `.pyc` would not load)."""
    if not package.is_dir():
        return 0
    magic = importlib.util.MAGIC_NUMBER
    for cached in package.rglob("__pycache__/*.pyc"):
        with cached.open("rb") as stream:
            if stream.read(len(magic)) != magic:
                raise SystemExit(
                    f"{cached} is another Python's bytecode: run this script with the image's "
                    f"Python (this is {sys.version.split()[0]})"
                )
        break
    sources = sorted(package.rglob("*.py"))
    if not compileall.compile_dir(str(package), legacy=True, quiet=1):
        raise SystemExit(f"{package}: a module did not compile; its sources are left in place")
    missing = [p for p in sources if not p.with_suffix(".pyc").is_file()]
    if missing:
        raise SystemExit(f"{missing[0]}: no bytecode was written; sources left in place")
    for path in sources:
        path.unlink()
    for cache in sorted(package.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    return len(sources)


def trim(site: Path) -> list[str]:
    site = site.resolve()
    return [
        *(f"linked {line}" for line in dedupe_helm_lib(site)),
        *(f"removed {line}" for line in drop_kubernetes_aio(site)),
        *(f"uninstalled {name}" for name in drop_aio_only_distributions(site)),
        *(f"uninstalled {name}" for name in drop_jwt_only_distributions(site)),
        *(
            f"made {name} sourceless ({count} modules)"
            for name in SOURCELESS
            if (count := make_sourceless(site / name))
        ),
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    site = Path(argv[0])
    if not (site / "helm_python").is_dir() or not (site / "kubernetes").is_dir():
        print(f"{site}: no helm_python or kubernetes here", file=sys.stderr)
        return 2
    for line in trim(site):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
