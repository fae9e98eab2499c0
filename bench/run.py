"""`make bench`: every benchmark under bench/, one after another, each printing its own table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("audio.py", "stages.py", "restoration.py", "transcription.py", "render.py", "publish_s3.py")


def main() -> int:
    failed = []
    for name in ORDER:
        print(f"\n== {name} ==", flush=True)  # each script takes its own options: run it alone to pass them
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
