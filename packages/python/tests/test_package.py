"""The package as a user gets it: a wheel and an sdist built offline, installed into a fresh virtual environment."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from conftest import World

# Run by the installed package, outside this checkout: it asks the real server who the key is.
PROBE = """
import sys, greenlight
from greenlight import Greenlight, models
assert greenlight.__file__.startswith(sys.prefix), greenlight.__file__
with Greenlight(sys.argv[1], api_key=sys.argv[2]) as gl:
    me = gl.get_me()
print(greenlight.__version__, me["org"]["id"], "py.typed" if __import__("importlib.resources").resources.files("greenlight").joinpath("py.typed").is_file() else "untyped")
"""


def _run(*args: str, cwd: Path | None = None) -> str:
    # Without the PYTHONPATH these tests run with, which points at the checkout's sources.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_a_wheel_and_an_sdist_install_into_a_fresh_venv_and_import(world: World, tmp_path: Path) -> None:
    # Built from a copy, so the checkout is left as it was (setuptools writes build/ and *.egg-info).
    source = tmp_path / "source"
    shutil.copytree(world.package_dir, source, ignore=shutil.ignore_patterns("node_modules", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    dist = tmp_path / "dist"
    # Offline: Debian's setuptools and wheel, no build isolation (it would download them). Without the
    # `build` front end (python3-build), pip builds the wheel and setuptools' backend the sdist.
    if importlib.util.find_spec("build") is not None:
        _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source))
    else:
        _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(source))
        _run(sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})", cwd=source)
    wheels = sorted(dist.glob("greenlight-*.whl"))
    sdists = sorted(dist.glob("greenlight-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(dist.iterdir())

    me = None
    for artifact in (wheels[0], sdists[0]):
        env_dir = tmp_path / f"venv-{artifact.suffix.strip('.')}"
        # httpx comes from the system's site-packages (Debian's python3-httpx): the index is unreachable here.
        venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
        python = str(env_dir / "bin" / "python")
        _run(python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-deps", str(artifact))
        shown = _run(python, "-c", "import importlib.metadata as m; print(m.version('greenlight'), m.requires('greenlight'))")
        assert shown.split()[0] == "0.1.0" and "httpx" in shown
        out = _run(python, "-c", PROBE, world.url, world.requester_key, cwd=tmp_path).split()
        assert out[0] == "0.1.0" and out[2] == "py.typed"
        me = me or out[1]
        assert out[1] == me
