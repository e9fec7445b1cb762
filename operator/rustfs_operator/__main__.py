"""`python -m rustfs_operator` / `rustfs-operator`: run the operator process."""

from __future__ import annotations

import asyncio
import sys

from rustfs_operator import collection, config, logs


def main() -> None:
    settings = config.load()
    logs.setup(settings.log_level)
    # The engine modules come from the collection: make them importable first.
    collection.make_importable(settings)
    from rustfs_operator import app

    sys.exit(asyncio.run(app.main(settings)))


if __name__ == "__main__":
    main()
