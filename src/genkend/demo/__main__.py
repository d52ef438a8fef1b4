"""``python -m genkend.demo FOLDER``: write the demo evidence, hash sets and portraits."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from genkend.demo import add_portraits, generate


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m genkend.demo FOLDER\n")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = Path(sys.argv[1])
    manifest = generate(folder)
    portraits = add_portraits(folder / "evidence", folder / "gallery")
    print(
        f"demo evidence: {manifest.totals.items} items in {folder / 'evidence'}, "
        f"{len(portraits.evidence_files)} of them portraits; "
        f"gallery photo {portraits.gallery_photo}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
