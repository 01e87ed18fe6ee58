"""An installed wheel finds the ontology, queries and tables without the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_wheel_ships_ontology_queries_and_tables(tmp_path: Path):
    dist, site = tmp_path / "dist", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("cgkg-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    code = (
        "import kg, kg.base.paths as p; "
        f"assert kg.__file__.startswith({str(site)!r}), kg.__file__; "
        "assert p.ONTOLOGY_FILE.is_file() and p.CHECKS_DIR.is_dir(); "
        "assert (p.GUIDELINES_DIR / 'shared-drug-safety' / 'tables' / 'sources.tsv').is_file(); "
        "assert '_resources' in str(p.ONTOLOGY_FILE); "
        "assert not list(p.GUIDELINES_DIR.glob('*/tables/_staging')); "
        "print(len(kg.load_tables()['recommendations']))"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0
    cli = subprocess.run([sys.executable, "-m", "kg", "queries"], capture_output=True, text=True,
                         cwd=tmp_path, env=env)
    assert cli.returncode == 0 and "cq/treatment-options" in cli.stdout, cli.stderr
    # the packaged build is in the wheel, and deciding needs no Java: a `java` that fails comes first on PATH
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "java").write_text("#!/bin/sh\necho 'java must not run' >&2\nexit 1\n")
    (fake / "java").chmod(0o755)
    decided = subprocess.run([sys.executable, "-m", "kg", "decide", "--example", "--format", "json"],
                             capture_output=True, text=True, cwd=tmp_path, env={**env, "PATH": f"{fake}:/usr/bin:/bin"})
    assert decided.returncode == 0, decided.stderr
    data = json.loads(decided.stdout)
    assert data["reasoner"] == "compiled" and len(data["options"]) > 30
