"""Extract one collection from the `ansible` package's wheel (the operator image needs kubernetes.core).

    python collection_from_wheel.py WHEEL NAMESPACE.NAME DEST

The wheel holds about a hundred collections (473 MB installed); the image needs one (about 2 MB),
so it takes that one's files and nothing else. Standard library only: it runs in the image's
build stage before anything is installed.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def extract(wheel: Path, collection: str, dest: Path) -> int:
    """Write COLLECTION's files from WHEEL under DEST/ansible_collections; how many were written."""
    namespace, name = collection.split(".", 1)
    prefix = f"ansible_collections/{namespace}/{name}/"
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.startswith(prefix) and ".." not in Path(n).parts]
        if f"{prefix}MANIFEST.json" not in members:
            raise SystemExit(f"{wheel} holds no collection {collection}")
        archive.extractall(dest, members)
    return len(members)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    count = extract(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    print(f"{sys.argv[2]}: {count} files")
