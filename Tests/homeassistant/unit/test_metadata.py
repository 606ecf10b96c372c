"""What hassfest and HACS's validation check for a custom integration, over the files themselves.

hassfest lives in Home Assistant's repository, not in the PyPI package, and HACS's action runs on
GitHub: these tests check the same things here (manifest keys and formats, translations, icons,
brand images, quality_scale.yaml, hacs.json), plus that project.json's repository URL and code
owners are what the manifest and README say.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
import re
import subprocess
import sys
from typing import Any
from xml.etree import ElementTree

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.util.yaml import load_yaml_dict
from PIL import Image
import pytest

ROOT = Path(__file__).resolve().parents[3]
INTEGRATION = ROOT / "custom_components" / "appwrite"


def load(path: Path) -> Any:
    return json.loads(path.read_text())


MANIFEST = load(INTEGRATION / "manifest.json")
STRINGS = load(INTEGRATION / "strings.json")

# script/hassfest/manifest.py: the keys a custom integration's manifest may have.
MANIFEST_KEYS = {
    "domain", "name", "integration_type", "config_flow", "mqtt", "zeroconf", "ssdp", "bluetooth", "homekit",
    "dhcp", "usb", "documentation", "issue_tracker", "quality_scale", "requirements", "dependencies",
    "after_dependencies", "codeowners", "loggers", "disabled", "iot_class", "single_config_entry", "version",
    "import_executor",
}  # fmt: skip
IOT_CLASSES = {"assumed_state", "cloud_polling", "cloud_push", "local_polling", "local_push", "calculated"}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system", "virtual"}
# script/hassfest/quality_scale.py (ALL_RULES), by tier.
RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
        "config-flow-test-coverage", "dependency-transparency", "docs-actions", "docs-conditions",
        "docs-high-level-description", "docs-installation-instructions", "docs-removal-instructions",
        "docs-triggers", "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
        "test-before-configure", "test-before-setup", "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner", "log-when-unavailable",
        "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update", "docs-examples",
        "docs-known-limitations", "docs-supported-devices", "docs-supported-functions", "docs-troubleshooting",
        "docs-use-cases", "dynamic-devices", "entity-category", "entity-device-class",
        "entity-disabled-by-default", "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip
# HACS's hacs.json schema (hacs/integration's validate/schemas.py).
HACS_KEYS = {
    "name", "content_in_root", "zip_release", "filename", "hide_default_branch", "country", "homeassistant",
    "render_readme", "persistent_directory", "hacs",
}  # fmt: skip


def sync_script() -> Any:
    spec = importlib.util.spec_from_file_location("sync_project_metadata", ROOT / "scripts/sync-project-metadata.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_manifest_keys_and_formats() -> None:
    assert set(MANIFEST) <= MANIFEST_KEYS, set(MANIFEST) - MANIFEST_KEYS
    for key in ("domain", "name", "codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert MANIFEST.get(key), f"manifest.json has no {key}"
    assert MANIFEST["domain"] == INTEGRATION.name
    # hassfest: domain and name first, the rest sorted.
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"] and keys[2:] == sorted(keys[2:])
    assert re.fullmatch(r"https://\S+", MANIFEST["documentation"])
    assert re.fullmatch(r"https://\S+", MANIFEST["issue_tracker"])
    assert MANIFEST["codeowners"] and all(re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", owner) for owner in MANIFEST["codeowners"])
    assert AwesomeVersion(MANIFEST["version"]).valid
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert MANIFEST["integration_type"] in INTEGRATION_TYPES
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["requirements"] == [] and MANIFEST["dependencies"] == []
    for service_type in MANIFEST.get("zeroconf", []):
        assert re.fullmatch(r"_[a-z0-9-]+\._(tcp|udp)\.local\.", service_type)


def test_the_version_is_the_bridges() -> None:
    package = (ROOT / "Sources").rglob("*.swift")
    assert any(f'"{MANIFEST["version"]}"' in path.read_text() for path in package)


def test_project_json_is_the_one_place_for_urls_and_owners() -> None:
    project = load(ROOT / "project.json")
    expected = sync_script().derived(project)
    assert MANIFEST["documentation"] == expected["documentation"]
    assert MANIFEST["issue_tracker"] == expected["issue_tracker"]
    assert MANIFEST["codeowners"] == expected["codeowners"]
    readme = (ROOT / "README.md").read_text()
    assert f"<!-- project.json: issue_tracker -->{expected['issue_tracker']}<!-- end -->" in readme
    # Nowhere else in the integration or README: one edit of project.json (and the script) moves it.
    assert readme.count(project["repository"]) == 1
    assert "project.json" in readme


def test_hacs_json() -> None:
    hacs = load(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)
    assert hacs.get("content_in_root", False) is False
    # HACS wants exactly one integration under custom_components/.
    assert [path.name for path in (ROOT / "custom_components").iterdir() if path.is_dir()] == ["appwrite"]


def test_translations_equal_strings() -> None:
    assert load(INTEGRATION / "translations" / "en.json") == STRINGS


def used_translation_keys() -> dict[str, set[str]]:
    """translation_key=..., errors, abort reasons, step IDs and entity keys used in the code."""
    used: dict[str, set[str]] = {
        "exceptions": set(),
        "errors": set(),
        "abort": set(),
        "issues": set(),
        "entity": set(),
    }
    for path in INTEGRATION.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "translation_key" and isinstance(keyword.value, ast.Constant):
                        function = ast.unparse(node.func)
                        kind = (
                            "entity"
                            if function.endswith("Description")
                            else "issues"
                            if "issue" in function
                            else "exceptions"
                        )
                        used[kind].add(keyword.value.value)
                    if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant):
                        used["abort"].add(keyword.value.value)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant | ast.Name)
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and ast.unparse(key) in ('"base"', "CONF_URL")
                    ):
                        used["errors"].add(value.value)
    return used


def test_every_translation_key_in_the_code_is_in_strings() -> None:
    used = used_translation_keys()
    assert used["exceptions"] - {"colliding_actions", "duplicate_actions"} <= set(STRINGS["exceptions"])
    assert {"duplicate_actions", "colliding_actions"} <= set(STRINGS["issues"])
    for capability in ("read", "messaging", "storage"):
        assert f"missing_scope_{capability}" in STRINGS["issues"]
    assert used["errors"] <= set(STRINGS["config"]["error"]), used["errors"] - set(STRINGS["config"]["error"])
    assert used["abort"] - {"already_configured"} <= set(STRINGS["config"]["abort"])
    assert used["entity"] <= {key for entries in STRINGS["entity"].values() for key in entries}
    steps = {"user", "reauth_confirm", "reconfigure", "zeroconf_confirm"}
    assert steps <= set(STRINGS["config"]["step"])
    for step in steps:
        source = (INTEGRATION / "config_flow.py").read_text()
        assert f'step_id="{step}"' in source
    # Entities: every translation_key of an entity has a name.
    translated = {
        (platform, key) for platform, entries in STRINGS["entity"].items() for key in entries
    }
    for path in INTEGRATION.glob("*.py"):
        platform = path.stem
        for key in re.findall(r'translation_key\s*=\s*"([a-z_]+)"', path.read_text()):
            if platform in ("sensor", "binary_sensor", "event"):
                assert (platform, key) in translated, (platform, key)


def test_placeholders_of_translations_are_given() -> None:
    """Every {placeholder} of an exception or issue is passed where that key is raised."""
    source = "\n".join(path.read_text() for path in INTEGRATION.glob("*.py"))
    for section in ("exceptions", "issues"):
        for key, texts in STRINGS[section].items():
            for text in texts.values():
                for placeholder in re.findall(r"{(\w+)}", text):
                    assert f'"{placeholder}"' in source, f"{section}.{key}: {{{placeholder}}} is never given"


def test_icons_cover_every_translated_entity() -> None:
    icons = load(INTEGRATION / "icons.json")
    assert set(icons) <= {"entity", "services"}
    for platform, entries in STRINGS["entity"].items():
        for key in entries:
            icon = icons["entity"][platform][key]["default"]
            assert re.fullmatch(r"mdi:[a-z0-9-]+", icon)


@pytest.mark.parametrize(
    ("name", "size"), [("icon.png", 256), ("icon@2x.png", 512), ("logo.png", 256), ("logo@2x.png", 512)]
)
def test_brand_images(name: str, size: int) -> None:
    # The brands repository: square PNGs, 256x256 and 512x512 (hDPI), with transparency.
    with Image.open(INTEGRATION / "brand" / name) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0


def test_quality_scale_lists_every_rule() -> None:
    rules = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))["rules"]
    every = [rule for tier in RULES.values() for rule in tier]
    assert sorted(rules) == sorted(every)
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "exempt", "todo"), name
        if status == "exempt":
            assert rule.get("comment"), f"{name} is exempt without a reason"
    for tier in ("bronze", "silver", "gold"):
        for name in RULES[tier]:
            rule = rules[name]
            assert (rule if isinstance(rule, str) else rule["status"]) != "todo", f"{tier} rule {name} is todo"


def test_avahi_service_file_announces_what_the_manifest_discovers(tmp_path: Path) -> None:
    source = ROOT / "packaging" / "avahi" / "appwrite-bridge.service"
    service = ElementTree.parse(source).getroot().find("service")
    assert f"{service.findtext('type')}.local." in MANIFEST["zeroconf"]
    records = [record.text for record in service.findall("txt-record")]
    assert f"version={MANIFEST['version']}" in records

    # add-bridge-id puts the ID the bridge made into the installed copy, once.
    state = tmp_path / "state"
    state.mkdir()
    (state / "bridge-id").write_text("0b5e7c52-8d7a-4f7e-9a57-1f3c1d6a2b90\n")
    installed = tmp_path / "appwrite-bridge.service"
    installed.write_text(source.read_text())
    for _ in range(2):
        subprocess.run([str(ROOT / "packaging/avahi/add-bridge-id"), str(state), str(installed)], check=True)
    records = [record.text for record in ElementTree.parse(installed).getroot().iter("txt-record")]
    assert records.count("bridge_id=0b5e7c52-8d7a-4f7e-9a57-1f3c1d6a2b90") == 1
    assert f"version={MANIFEST['version']}" in records


def test_readme_quality_table_counts_what_the_file_says() -> None:
    rules = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))["rules"]
    readme = (ROOT / "README.md").read_text()
    for tier, names in RULES.items():
        statuses = [rules[name] if isinstance(rules[name], str) else rules[name]["status"] for name in names]
        row = re.search(rf"^\| {tier.capitalize()} \| (\d+) \| (\d+) \| (\d+)[^|]*\| (\d+)", readme, re.MULTILINE)
        assert row, f"README has no quality-scale row for {tier}"
        assert [int(value) for value in row.groups()] == [
            len(names),
            statuses.count("done"),
            statuses.count("exempt"),
            statuses.count("todo"),
        ], tier
