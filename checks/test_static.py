"""Static checks of the addon's manifest, XML, access files and Python
idioms that no OCA tool makes: what an Odoo 19 install would reject or warn
about, caught without Odoo.

.ci/run also runs pylint-odoo with OCA's mandatory configuration
(.pylintrc-mandatory: manifest version, license, author, development status,
website, files named in the manifest that do not exist) and
oca-checks-odoo-module (XML headers, numeric and boolean fields without eval,
module-prefixed ids, duplicate ids in XML and CSV, XML and CSV files the
manifest does not load); what they check is not repeated here."""

import ast
import csv
import re
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ast.literal_eval((ROOT / "__manifest__.py").read_text())
XML_FILES = sorted(p for p in ROOT.rglob("*.xml") if ".git" not in p.parts)
PY_FILES = sorted(p for p in ROOT.rglob("*.py") if ".git" not in p.parts and "checks" not in p.parts)
MODEL_NAMES = {
    match
    for path in PY_FILES
    for match in re.findall(r"^\s+_name = \"([\w.]+)\"", path.read_text(), flags=re.MULTILINE)
}


def test_manifest_keys():
    # The tools check the values of version, license, author, website and
    # development status, not that the keys are there.
    assert MANIFEST["installable"] is True
    for key in ("name", "summary", "website", "category", "depends", "development_status"):
        assert MANIFEST.get(key), key
    assert set(MANIFEST["external_dependencies"]["python"]) >= {"pandas", "numpy"}


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_xml_uses_odoo_19_views(path):
    tree = etree.parse(str(path))
    assert not tree.xpath("//tree"), "Odoo 19 has <list>, not <tree>"
    assert not tree.xpath("//*[@attrs or @states]"), "attrs/states were removed: use invisible= expressions"


def test_access_file():
    with (ROOT / "security/ir.model.access.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "no access rights"
    for row in rows:
        assert row["id"].startswith("access_"), row["id"]
        model = row["model_id:id"].removeprefix("model_").replace("_", ".")
        assert any(name.replace("_", ".") == model for name in MODEL_NAMES), f"unknown model {row['model_id:id']}"
        assert row["group_id:id"], f"{row['id']} gives access to everybody"
        assert {row[p] for p in ("perm_read", "perm_write", "perm_create", "perm_unlink")} <= {"0", "1"}


def test_every_stored_model_has_access_rights():
    with (ROOT / "security/ir.model.access.csv").open() as handle:
        covered = {row["model_id:id"] for row in csv.DictReader(handle)}
    abstract = {
        name
        for path in PY_FILES
        for name in re.findall(
            r"class \w+\(models\.(?:AbstractModel|TransientModel)\):[^\n]*\n(?:\s+\"\"\"[\s\S]*?\"\"\"\n)?"
            r"\s+_name = \"([\w.]+)\"",
            path.read_text(),
        )
    }
    for name in MODEL_NAMES - abstract:
        assert "model_" + name.replace(".", "_") in covered, f"{name} has no access rights"


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_idioms(path):
    source = path.read_text()
    assert "_sql_constraints" not in source, "use models.Constraint"
    assert not re.search(r"self\._(cr|uid|context)\b", source), "use self.env.cr / env.uid / env.context"
    assert "safe_eval" not in source, "domains are parsed as data"
    if "analytics" in path.parts:
        assert not re.search(r"^\s*(from|import) odoo", source, flags=re.MULTILINE), "the engine imports no Odoo"


# The fragments OCA's oca-gen-addon-readme turns into README.rst sections
# (maintainer-tools, tools/gen_addon_readme.py: FRAGMENTS).
OCA_README_FRAGMENTS = {
    "DESCRIPTION",
    "CONTEXT",
    "INSTALL",
    "CONFIGURE",
    "USAGE",
    "ROADMAP",
    "DEVELOP",
    "CONTRIBUTORS",
    "CREDITS",
    "HISTORY",
}


def test_readme_fragments():
    # readme/ holds OCA's fragments only, all in Markdown (the generator
    # refuses a mix), DESCRIPTION and USAGE at least, and none with a title of
    # its own: the generator puts each one under its section's title, where a
    # top-level "#" heading would become a section of the README.
    fragments = sorted((ROOT / "readme").iterdir())
    assert {path.suffix for path in fragments} == {".md"}, "Markdown fragments only"
    assert {path.stem for path in fragments} <= OCA_README_FRAGMENTS, "unknown fragment"
    assert {"DESCRIPTION", "USAGE"} <= {path.stem for path in fragments}
    for path in fragments:
        text = path.read_text()
        assert not re.search(r"^# |^[=-]{3,}\s*$", text, flags=re.MULTILINE), f"{path.name} has a title"
