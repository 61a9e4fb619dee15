"""The image's trimming (scripts/trim_image.py, run by the Dockerfile) and bench/image_size.py.

The trimming is checked on stand-in trees, and on a copy of this environment's helm-python-sdk
that then renders a chart. The full measurement installs the lock twice (a few hundred MB from
the package index, about a minute): it runs only with DRIFT_BENCH_IMAGE_SIZE=1 (CI can set it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import trim_image

DOCKERFILE = ROOT / "Dockerfile"
CHART = ROOT / "tests" / "data" / "charts" / "helm__examples" / "charts" / "hello-world"
LIB_NAMES = ("libhelm_c.so", "libhelm_c.so.0", "libhelm_c.so.0.2.2")


def fake_site(tmp_path: Path, lib_bodies: tuple[bytes, ...] = (b"ELF",) * 3) -> Path:
    site = tmp_path / "site-packages"
    lib = site / "helm_python" / "lib"
    lib.mkdir(parents=True)
    for name, body in zip(LIB_NAMES, lib_bodies, strict=True):
        (lib / name).write_bytes(body)
    (site / "kubernetes" / "aio" / "client").mkdir(parents=True)
    (site / "kubernetes" / "aio" / "client" / "api.py").write_text("x = 1\n")
    (site / "kubernetes" / "client").mkdir()
    return site


def fake_dist(site: Path, name: str, requires: tuple[str, ...] = ()) -> None:
    package = name.replace("-", "_")
    (site / package).mkdir()
    (site / package / "__init__.py").write_text("")
    info = site / f"{package}-1.0.dist-info"
    info.mkdir()
    lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"]
    lines += [f"Requires-Dist: {r}\n" for r in requires]
    (info / "METADATA").write_text("".join(lines))
    (info / "RECORD").write_text(
        f"{package}/__init__.py,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n"
    )


def test_identical_copies_become_symlinks_to_the_versioned_file(tmp_path: Path) -> None:
    site = fake_site(tmp_path)
    trim_image.trim(site)
    lib = site / "helm_python" / "lib"
    assert not (lib / "libhelm_c.so.0.2.2").is_symlink()
    for name in LIB_NAMES[:2]:
        assert (lib / name).is_symlink()
        assert os.readlink(lib / name) == "libhelm_c.so.0.2.2"  # relative: survives COPY
        assert (lib / name).read_bytes() == b"ELF"
    assert not (site / "kubernetes" / "aio").exists()
    assert (site / "kubernetes" / "client").is_dir()


def test_copies_that_differ_are_left_alone(tmp_path: Path) -> None:
    site = fake_site(tmp_path, (b"ELF", b"ELF", b"other"))
    with pytest.raises(SystemExit, match="differ"):
        trim_image.dedupe_helm_lib(site)
    assert not any(p.is_symlink() for p in (site / "helm_python" / "lib").iterdir())


def test_aio_only_distributions_go_unless_something_else_needs_them(tmp_path: Path) -> None:
    site = fake_site(tmp_path)
    fake_dist(site, "kubernetes-meta", ())
    fake_dist(site, "aiohttp", ("yarl>=1",))
    fake_dist(site, "yarl")
    fake_dist(site, "requests", ('aiohttp; extra == "async"',))
    removed = trim_image.drop_aio_only_distributions(site)
    assert removed == ["aiohttp", "yarl"]
    assert not (site / "aiohttp").exists()
    assert not list(site.glob("aiohttp-*.dist-info"))
    assert (site / "requests").is_dir()

    site2 = fake_site(tmp_path / "again")
    fake_dist(site2, "aiohttp")
    fake_dist(site2, "needs-it", ("aiohttp>=3",))
    with pytest.raises(SystemExit, match="needs-it requires aiohttp"):
        trim_image.drop_aio_only_distributions(site2)
    assert (site2 / "aiohttp").is_dir()


def via(lock: Path) -> dict[str, set[str]]:
    """Each pinned name and the names its `# via` comment lists."""
    found: dict[str, set[str]] = {}
    current = ""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line):
            current = trim_image.canonicalize_name(match[1])
            found[current] = set()
        elif (
            current
            and (match := re.match(r"^\s+#\s+(?:via\s+|  )?([A-Za-z0-9][\w.-]*)", line))
            and match[1] != "via"
        ):
            found[current].add(trim_image.canonicalize_name(match[1]))
    return found


def test_the_aio_only_list_is_what_only_kubernetes_aio_pulls_in() -> None:
    pulled_by = via(ROOT / "requirements.lock")
    aio_only = {trim_image.canonicalize_name(n) for n in trim_image.AIO_ONLY}
    for name in aio_only:
        assert name in pulled_by, f"{name} is no longer in requirements.lock: drop it from AIO_ONLY"
        assert pulled_by[name] <= aio_only | {"kubernetes"}, (name, pulled_by[name])
    # And nothing else is only there for them.
    for name, parents in pulled_by.items():
        if name not in aio_only and parents and parents <= aio_only:
            pytest.fail(f"{name} is pulled in only by {parents}: add it to AIO_ONLY")


def test_drift_action_imports_neither_the_aio_stack_nor_markdown_it() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+(kubernetes\.aio|aiohttp|markdown_it)\b", re.M)
    for path in (ROOT / "drift_action").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_a_chart_renders_with_the_deduplicated_library(tmp_path: Path) -> None:
    import helm_python

    source = Path(helm_python.__file__).parent
    site = tmp_path / "site"
    copy = site / "helm_python"
    # Hard links: no 255 MB copy, and unlinking them in the copy leaves the original alone.
    shutil.copytree(
        source, copy, copy_function=os.link, ignore=shutil.ignore_patterns("__pycache__")
    )
    (site / "kubernetes").mkdir()
    assert trim_image.dedupe_helm_lib(site)
    assert sum(1 for p in (copy / "lib").iterdir() if p.is_symlink()) == 2
    live = tmp_path / "live.yaml"
    live.write_text("apiVersion: v1\nkind: List\nitems: []\n")
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import helm_python._native as n; "
        f"assert str(n.library_path).startswith({str(site)!r}), n.library_path; "
        "from drift_action.cli import main; sys.exit(main())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--helm-chart", str(CHART), "--live-snapshot", str(live),
         "--output", "json", "--fail-on", "none"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["missing"] == 3 and summary["errors"] == 0


def dockerfile_text() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def test_the_dockerfile_trims_and_checks_what_it_downloads() -> None:
    text = dockerfile_text()
    assert "scripts/trim_image.py" in text
    assert len(re.findall(r"^FROM ", text, re.M)) == 2, "a builder stage and a final stage"
    assert "--require-hashes -r requirements.lock" in text
    for arch in ("AMD64", "ARM64"):
        assert re.search(rf"^ARG KUSTOMIZE_SHA256_{arch}=[0-9a-f]{{64}}$", text, re.M), arch
    assert "sha256sum -c" in text
    assert "/latest/" not in text and "releases/latest" not in text
    ci_version = re.search(r"kustomize/v5@v([\d.]+)", (ROOT / ".ci" / "run").read_text())
    assert ci_version and f"ARG KUSTOMIZE_VERSION={ci_version[1]}" in text
    for label in ("source", "version", "revision", "licenses", "description"):
        assert f"org.opencontainers.image.{label}=" in text
    final = text[text.rindex("\nFROM ") :]
    assert "pip " not in final, "the final stage installs nothing with pip"
    assert "COPY --from=builder /opt/drift-action/venv" in final


@pytest.mark.skipif(
    os.environ.get("DRIFT_BENCH_IMAGE_SIZE") != "1",
    reason="installs the lock from the package index: set DRIFT_BENCH_IMAGE_SIZE=1",
)
def test_image_size_script_measures_a_trimmed_install_that_renders(tmp_path: Path) -> None:
    out = tmp_path / "size.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "image_size.py"), "--no-baseline", "--json", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    image = result["image"]
    assert image["renders"] is True
    assert any("libhelm_c.so.0 -> libhelm_c.so.0.2.2" in s for s in image["trim_steps"])
    assert "removed kubernetes/aio" in image["trim_steps"]
    # 192.5 MB when measured (x86_64); untrimmed, the same lock takes about 440 MB.
    assert image["site_packages"] < 250_000_000
