"""The integration and the bridge are released together: one version."""

from __future__ import annotations

import json
from pathlib import Path
import re

REPO = Path(__file__).resolve().parents[3]


def test_manifest_version_is_the_bridge_version() -> None:
    swift = (REPO / "Sources/BridgeCore/Support/BridgeVersion.swift").read_text()
    bridge_version = re.search(r'static let current = "([^"]+)"', swift)
    assert bridge_version is not None
    manifest = json.loads((REPO / "custom_components/appwrite/manifest.json").read_text())
    assert manifest["version"] == bridge_version.group(1)


def test_manifest_is_a_local_push_hub_without_requirements() -> None:
    manifest = json.loads((REPO / "custom_components/appwrite/manifest.json").read_text())
    assert manifest["domain"] == "appwrite"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_push"
    assert manifest["integration_type"] == "hub"
    assert manifest["requirements"] == []


def test_translations_match_strings() -> None:
    base = REPO / "custom_components/appwrite"
    assert json.loads((base / "strings.json").read_text()) == json.loads((base / "translations/en.json").read_text())
