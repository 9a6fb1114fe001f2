"""What a non-editable install ships: every data file the packages read must be in package-data
(a missing pattern breaks only installs that are not `pip install -e`, which the suite never is)."""
import re
import subprocess
import tomllib

from tests.conftest import REPO


def test_every_data_file_of_the_packages_is_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]
    packages = config["packages"]["find"]["include"]
    tracked = subprocess.run(["git", "ls-files", *{p.rstrip("*") for p in packages}], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.split()
    missing = []
    for path in tracked:
        if path.endswith(".py"):
            continue
        package, _, inner = path.partition("/")
        if not any(_glob(pattern).fullmatch(inner) for pattern in patterns.get(package, [])):
            missing.append(path)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"


def _glob(pattern: str) -> re.Pattern:
    """setuptools' glob: `*` never crosses a folder."""
    return re.compile("[^/]*".join(re.escape(part) for part in pattern.split("*")))
