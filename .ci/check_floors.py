"""Check that the installed versions are exactly those pinned in a constraints file.

Usage: python .ci/check_floors.py .ci/floors.txt
"""

import sys
from importlib.metadata import PackageNotFoundError, version


def main(path: str) -> int:
    wrong = []
    for line in open(path):
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, pinned = (part.strip() for part in line.split("=="))
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong.append(f"{name}: pinned {pinned}, installed {installed}")
    for entry in wrong:
        print(entry, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
