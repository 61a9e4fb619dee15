"""Stage the part of git the image needs, for a final stage without a package manager (issue 20).

    python3 scripts/stage_git.py --runtime-root DIR --out DIR

Run in the Dockerfile's builder, where Debian's git is installed. The final image's base has no
shell and no apt, so git reaches it as files: `/usr/bin/git` (every command drift-action runs
is built into it: rev-parse, fetch, worktree) and `git-remote-http`, which `git fetch` runs for
an https remote, under the names git looks for. Not staged: perl, the shell scripts, the man
pages and the other helpers (the Debian package and its dependencies are about 109 MB; this is
about 16 MB).

Each program's shared libraries come from `ldd`. A library is staged into
OUT/usr/lib/<multiarch dir>/<soname> only when the runtime base (a copy of its root at
--runtime-root) has no file by that soname in its library folders: what the base has stays the
base's. A library `ldd` cannot find stops the script.

bench/image_size.py runs this same script to assemble the image's content without Docker.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PROGRAMS = ("usr/bin/git", "usr/lib/git-core/git-remote-http")
# The names git runs them by: its exec path holds `git` (for commands it re-executes) and the
# remote helper for https. Not upload-pack: git runs it through /bin/sh for a fetch from a path
# or file://, and the image has no shell; the action fetches from its https origin.
LINKS = {
    "usr/lib/git-core/git": "../../bin/git",
    "usr/lib/git-core/git-remote-https": "git-remote-http",
}
LIBRARY_DIRS = ("lib", "usr/lib", "lib64", "usr/lib64")
_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(\S+)")


class StageError(Exception):
    pass


def parse_ldd(text: str) -> dict[str, str]:
    """soname -> resolved path, from `ldd` output; the vDSO and the loader are not listed."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue  # linux-vdso.so.1 (0x...), /lib64/ld-linux-x86-64.so.2 (0x...)
        soname, path = match[1], match[2]
        if path == "not":  # "libfoo.so.1 => not found"
            raise StageError(f"ldd cannot find {soname}")
        found[soname] = path
    return found


def runtime_has(runtime_root: Path, soname: str, multiarch: str) -> bool:
    for folder in LIBRARY_DIRS:
        for candidate in (
            runtime_root / folder / multiarch / soname,
            runtime_root / folder / soname,
        ):
            if os.path.lexists(candidate):
                return True
    return False


def libraries(program: Path) -> dict[str, str]:
    done = subprocess.run(["ldd", str(program)], capture_output=True, text=True, check=False)
    if done.returncode:
        raise StageError(f"ldd {program}: {done.stderr.strip() or done.stdout.strip()}")
    return parse_ldd(done.stdout)


def stage(source_root: Path, runtime_root: Path, out: Path) -> list[str]:
    """Copy the programs (from `source_root`, which is `/`: ldd resolves their libraries on this
    system), make the links, and copy the libraries the runtime lacks."""
    staged: list[str] = []
    needed: dict[str, str] = {}
    for relative in PROGRAMS:
        program = source_root / relative
        if not program.is_file():
            raise StageError(f"{program}: not found (is git installed in this stage?)")
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(program, target)
        os.chmod(target, 0o755)  # noqa: S103 - a program every user runs, as Debian installs it
        staged.append(f"/{relative}")
        needed.update(libraries(program))
    for relative, link in LINKS.items():
        path = out / relative
        if os.path.lexists(path):
            path.unlink()
        path.symlink_to(link)
        staged.append(f"/{relative} -> {link}")
    for soname, resolved in sorted(needed.items()):
        multiarch = Path(resolved).parent.name  # x86_64-linux-gnu, aarch64-linux-gnu
        if runtime_has(runtime_root, soname, multiarch):
            continue
        target = out / "usr" / "lib" / multiarch / soname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(os.path.realpath(resolved), target)
        os.chmod(target, 0o644)
        staged.append(f"/usr/lib/{multiarch}/{soname}")
    return staged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runtime-root", type=Path, required=True, help="the final base's root")
    parser.add_argument("--out", type=Path, required=True, help="where to stage (a root)")
    args = parser.parse_args(argv)
    if not (args.runtime_root / "usr").is_dir():
        print(f"stage_git: {args.runtime_root} is not a root file system", file=sys.stderr)
        return 2
    try:
        for line in stage(Path("/"), args.runtime_root, args.out):
            print(line)
    except StageError as exc:
        print(f"stage_git: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
