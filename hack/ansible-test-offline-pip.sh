#!/usr/bin/env bash
# ansible-test bootstraps pip in each venv with a get-pip script downloaded from
# a site this machine cannot reach. It looks for the script in its cache first:
# put there a stand-in that installs the same pip from a wheel fetched from PyPI.
set -euo pipefail
python=${1:?usage: $0 PYTHON}
pip_version=$("$python" - <<'PY'
import re, pathlib, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
cache=$HOME/.ansible/test/cache
script=$cache/get_pip_${pip_version//./_}.py
mkdir -p "$cache/wheels"
ls "$cache/wheels"/pip-"$pip_version"-*.whl >/dev/null 2>&1 ||
  "$python" -m pip download --disable-pip-version-check -q --no-deps "pip==$pip_version" -d "$cache/wheels"
cat > "$script" <<PY
"""Stand-in for get-pip.py: ensurepip, then pip $pip_version from the local wheel cache."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--no-index", "--find-links", "$cache/wheels", *args])
PY
echo "$script"
