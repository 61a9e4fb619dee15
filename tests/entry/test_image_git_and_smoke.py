"""scripts/stage_git.py (git for a final stage without apt) and scripts/image_smoke.py (the
final stage's check of itself), against this machine's git and this environment's install.

bench/image_size.py runs both on the assembled image, in a chroot (DRIFT_BENCH_IMAGE_SIZE=1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import image_smoke
import stage_git

SMOKE = ROOT / "scripts" / "image_smoke.py"
CHART = ROOT / "tests" / "data" / "charts" / "helm__examples" / "charts" / "hello-world"

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd7b1f6000)
\tlibpcre2-8.so.0 => /lib/x86_64-linux-gnu/libpcre2-8.so.0 (0x00007f0b1c9e2000)
\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f0b1c9c3000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0b1c7e2000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f0b1ca94000)
"""


def test_ldd_output_gives_each_library_by_soname() -> None:
    assert stage_git.parse_ldd(LDD) == {
        "libpcre2-8.so.0": "/lib/x86_64-linux-gnu/libpcre2-8.so.0",
        "libz.so.1": "/lib/x86_64-linux-gnu/libz.so.1",
        "libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
    }
    with pytest.raises(stage_git.StageError, match=r"libcurl-gnutls\.so\.4"):
        stage_git.parse_ldd(LDD + "\tlibcurl-gnutls.so.4 => not found\n")


def debian_git() -> None:
    if not all((Path("/") / p).is_file() for p in stage_git.PROGRAMS) or not shutil.which("ldd"):
        pytest.skip("needs Debian's git (/usr/bin/git, /usr/lib/git-core/git-remote-http) and ldd")


def test_only_the_libraries_the_runtime_lacks_are_staged(tmp_path: Path) -> None:
    debian_git()
    needed = stage_git.libraries(Path("/usr/bin/git"))
    soname, resolved = next(iter(sorted(needed.items())))
    multiarch = Path(resolved).parent.name
    runtime = tmp_path / "runtime"
    (runtime / "usr" / "lib" / multiarch).mkdir(parents=True)
    (runtime / "usr" / "lib" / multiarch / soname).symlink_to("absent-elsewhere")  # a link counts
    out = tmp_path / "out"
    staged = stage_git.stage(Path("/"), runtime, out)
    assert f"/usr/lib/{multiarch}/{soname}" not in staged
    assert not (out / "usr" / "lib" / multiarch / soname).exists()
    for other, path in needed.items():
        if other != soname:
            copy = out / "usr" / "lib" / Path(path).parent.name / other
            assert copy.is_file() and not copy.is_symlink(), other
    assert os.access(out / "usr" / "bin" / "git", os.X_OK)
    assert os.readlink(out / "usr" / "lib" / "git-core" / "git-remote-https") == "git-remote-http"
    assert (out / "usr" / "lib" / "git-core" / "git").resolve() == (out / "usr" / "bin" / "git")
    # The staged git runs with the staged libraries.
    env = {"LD_LIBRARY_PATH": str(out / "usr" / "lib" / multiarch), "PATH": "/nonexistent"}
    done = subprocess.run([str(out / "usr" / "bin" / "git"), "--version"], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("git version"), done.stderr


def test_a_missing_program_or_runtime_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(stage_git.StageError, match="is git installed"):
        stage_git.stage(tmp_path / "empty", tmp_path, tmp_path / "out")
    code = stage_git.main(["--runtime-root", str(tmp_path / "nothing"), "--out", str(tmp_path)])
    assert code == 2


def smoke(path: str, tls: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    return subprocess.run(
        [sys.executable, "-I", str(SMOKE), str(CHART), str(tls)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip


def make_tls(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl for the throwaway CA (the Dockerfile's builder has it)")
    tls = tmp_path / "tls"
    made = subprocess.run([sys.executable, str(SMOKE), "--make-tls", str(tls)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return tls


def test_the_smoke_run_passes_on_this_install_and_names_the_check_that_fails(
    tmp_path: Path,
) -> None:
    kustomize, git = shutil.which("kustomize"), shutil.which("git")
    if kustomize is None or git is None:
        pytest.skip("needs kustomize and git on PATH (.ci/run builds kustomize)")
    tls = make_tls(tmp_path)
    done = smoke(os.environ["PATH"], tls)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 6 and "image smoke: helm chart rendered: 3 objects" in lines
    assert lines[-1].startswith("image smoke: git fetch over https")
    # Without kustomize on PATH the run stops at that check and says so.
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(git)
    failed = smoke(str(only_git), tls)
    assert failed.returncode == 1
    assert "FAILED (check_kustomize)" in failed.stderr
    assert "image smoke: imports" in failed.stdout and "kustomize built" not in failed.stdout


def test_the_https_check_fails_when_the_server_is_not_the_one_the_ca_signed(
    tmp_path: Path,
) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    tls = make_tls(tmp_path)
    other = make_tls(tmp_path / "other")
    # The server presents a certificate from another CA than the one git is told to trust.
    for name in ("server.crt", "server.key"):
        shutil.copy2(other / name, tls / name)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(image_smoke.SmokeError, match="exit 128"):
        image_smoke.check_https_fetch(work, CHART, tls=tls)


def test_the_smoke_script_needs_its_chart_and_certificates(tmp_path: Path) -> None:
    for argv in ([str(CHART)], [str(CHART), str(tmp_path)], [str(tmp_path), str(tmp_path)]):
        done = subprocess.run([sys.executable, "-I", str(SMOKE), *argv],
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 2 and done.stderr.strip(), argv
