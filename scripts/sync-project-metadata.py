"""Writes project.json's repository URL and code owners wherever they are repeated.

project.json is the one place to edit: custom_components/appwrite/manifest.json (documentation,
issue_tracker, codeowners) and the README's Home Assistant section take their values from it,
and the Home Assistant test suite (unit/test_metadata.py) fails while any of them disagrees.
The Debian package reads project.json itself.

    python3 scripts/sync-project-metadata.py
"""

from __future__ import annotations

import json
from pathlib import Path
import re

ROOT = Path(__file__).resolve().parents[1]


def derived(project: dict) -> dict:
    """What the manifest and README say, from project.json."""
    repository = project["repository"].rstrip("/")
    return {
        "documentation": f"{repository}#home-assistant",
        "issue_tracker": f"{repository}/issues",
        "codeowners": list(project["codeowners"]),
    }


def main() -> None:
    project = json.loads((ROOT / "project.json").read_text())
    values = derived(project)
    manifest_path = ROOT / "custom_components" / "appwrite" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.update(values)
    # hassfest's order: domain, name, then the rest sorted.
    ordered = {key: manifest[key] for key in ("domain", "name")} | {
        key: manifest[key] for key in sorted(manifest) if key not in ("domain", "name")
    }
    manifest_path.write_text(json.dumps(ordered, indent=2) + "\n")
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    readme = re.sub(
        r"(<!-- project\.json: issue_tracker -->)[^<]*(<!-- end -->)",
        lambda match: f"{match.group(1)}{values['issue_tracker']}{match.group(2)}",
        readme,
    )
    readme_path.write_text(readme)


if __name__ == "__main__":
    main()
