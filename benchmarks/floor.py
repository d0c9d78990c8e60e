"""The floor of any incremental build: list the article files and stat each one.

    python benchmarks/floor.py CORPUS/feeds/articles

An incremental build that finds out what changed by looking at the files cannot do less.
Prints the number of files and the sum of their sizes (so nothing is optimised away).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    files = size = 0
    for folder, _, names in os.walk(sys.argv[1]):
        for name in names:
            size += os.stat(os.path.join(folder, name)).st_size  # noqa: PTH116, PTH118
            files += 1
    print(f"{files} files, {size} bytes")


if __name__ == "__main__":
    main()
