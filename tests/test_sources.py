"""Sources of the catalog and the model: cite what a reader can find, grade it honestly.

Every citation the package carries (catalog `source`/`note`/`citation` strings and the sources of
the model's nodes) ends up in a briefing's Sources section, so it must not point at a file the
package does not ship (a notes file, a downloaded CSV), and a figure graded A must not rest on a
known mirror or aggregator host.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

import scendsl.model.domains  # noqa: F401  (declares the nodes whose sources are checked)
from scendsl.catalog import CONFIDENCE_PATTERN
from scendsl.model.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = files("scendsl")
CATALOG = PACKAGE / "catalog"

#: Keys whose text is a citation or a remark shown next to one.
#: (`[meta].dataset` of generated files is left out: it records which download an import read.)
TEXT_KEYS = {"source", "note", "citation", "groups_note", "sources"}

#: File extensions that name a local file rather than a web page.
FILE_EXTENSIONS = (
    "md",
    "csv",
    "json",
    "toml",
    "py",
    "txt",
    "xlsx",
    "xls",
    "yaml",
    "yml",
    "ipynb",
    "parquet",
    "scn",
)
FILE_TOKEN = re.compile(rf"[\w.\-/&]+\.(?:{'|'.join(FILE_EXTENSIONS)})\b")

#: A web address: scheme, or a host name (dotted, with a letters-only top-level label) before
#: the first slash.
URL_TOKEN = re.compile(r"(?:https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S*)", re.IGNORECASE)

#: Section marks of the project's research notes ("§B2", "§ C5"); paper sections ("§2.2") are fine.
NOTES_SECTION = re.compile(r"§\s*[A-E]\d")

#: Hosts that mirror, summarise or aggregate other documents: never enough for grade A.
NON_PRIMARY_HOSTS = (
    "github.io",
    "pages.dev",  # personal pages
    "archive-lib.hpctech.co.jp",
    "sgpjbg.com",
    "szlsw.org",
    "sibshop.uat.jiralog.com",  # mirrors
    "grokipedia.com",
    "aiwiki.ai",
    "wikicarbon.org",
    "awesomeagents.ai",
    "gpu.blog",
    "willitrunai.com",
    "wiaix.com",
    "emergentmind.com",
    "jaredwatkins.com",
    "news.fishai.com.cn",
    "nenpower.com",
    "menafn.com",
    "telecomtv.com",
    "thxnews.com",
    "statista.com",
    "neighborhoodsf.com",
    "chaincatcher.com",
    "newsbeep.com",
    "buzzbytech.com",
    "republicofmining.com",
    "en.ain.ua",
    "getcoai.com",
    "relevanpress",
    "gurufocus.com",
    "marketscreener.com",
    "compux.net",
    "aimultiple.com",
    "peniya.com",
    "federalstatelaw.com",
    "frnow.com",
    "ai-analytics.org",
    "regulations.justia.com",
    "videocardz",
    "eeworld",
    "supercluster.blog",
    "introl.com",
    "datacrunch.io",
)


def _walk(node: object, path: str) -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def catalog_tables() -> Iterator[tuple[str, dict]]:
    """Every table (dict) of every catalog TOML file, with a readable path."""
    for entry in sorted(CATALOG.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            for path, table in _walk(data, entry.name):
                if isinstance(table, dict):
                    yield path, table


def citations() -> Iterator[tuple[str, str]]:
    """(where, text) for every citation-like string of the catalog and the model."""
    for path, table in catalog_tables():
        for key in TEXT_KEYS & table.keys():
            values = table[key] if isinstance(table[key], list) else [table[key]]
            for value in values:
                if isinstance(value, str):
                    yield f"{path}.{key}", value
    for node in REGISTRY.nodes.values():
        for source in node.sources:
            yield f"node {node.name}", source


def shipped_names() -> set[str]:
    """Base names and package-relative paths of every file the wheel ships."""
    names: set[str] = set()
    for base, prefix in ((ROOT / "scendsl", "scendsl"), (ROOT / "templates", "templates")):
        for file in base.rglob("*"):
            if file.is_file() and "__pycache__" not in file.parts:
                names.add(file.name)
                names.add(f"{prefix}/{file.relative_to(base).as_posix()}")
                names.add(file.relative_to(base).as_posix())
    return names


def local_file_references(text: str) -> list[str]:
    """Path-like tokens of `text` that are not part of a web address."""
    without_urls = URL_TOKEN.sub(" ", text)
    return FILE_TOKEN.findall(without_urls)


def hosts_of(text: str) -> list[str]:
    return [match.group(0).lower() for match in URL_TOKEN.finditer(text)]


ALL_CITATIONS = list(citations())
SHIPPED = shipped_names()


def test_model_nodes_are_declared():
    assert len(REGISTRY.nodes) > 100


def test_sources_name_only_files_the_package_ships():
    missing = [
        (where, token)
        for where, text in ALL_CITATIONS
        for token in local_file_references(text)
        if token not in SHIPPED and token.rsplit("/", 1)[-1] not in SHIPPED
    ]
    assert not missing, "sources naming files the package does not ship:\n" + "\n".join(
        f"  {where}: {token}" for where, token in missing
    )


def test_sources_do_not_point_at_research_notes_sections():
    found = [(where, text) for where, text in ALL_CITATIONS if NOTES_SECTION.search(text)]
    assert not found, "sources citing a section of notes that are not shipped:\n" + "\n".join(
        f"  {where}: {text[:120]}" for where, text in found
    )


def test_grade_a_sources_are_not_mirrors_or_aggregators():
    bad = []
    for path, table in catalog_tables():
        if table.get("confidence") != "A" or not isinstance(table.get("source"), str):
            continue
        source = table["source"]
        for host in NON_PRIMARY_HOSTS:
            if host in source.lower():
                bad.append((path, host))
    assert not bad, "figures graded A on a mirror or aggregator:\n" + "\n".join(
        f"  {path}: {host}" for path, host in bad
    )


def test_every_figure_has_a_source_and_a_known_confidence_code():
    pattern = re.compile(CONFIDENCE_PATTERN)
    bad = []
    for path, table in catalog_tables():
        cited = {"value", "source", "confidence"} & table.keys()
        if not cited:
            continue
        source, confidence = table.get("source"), table.get("confidence")
        if not isinstance(source, str) or not source.strip():
            bad.append(f"{path}: no source")
        if not isinstance(confidence, str) or not pattern.match(confidence):
            bad.append(f"{path}: confidence {confidence!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ember via Our World in Data, owid-energy-data.csv column carbon_intensity_elec",
            ["owid-energy-data.csv"],
        ),
        ("derived (figures.md C5)", ["figures.md"]),
        ("EPA eGRID2023 via CodeCarbon 3.3.2 usa_emissions.json", ["usa_emissions.json"]),
        ("https://github.com/owid/energy-data/blob/master/owid-energy-data.csv", []),
        ("docs.cloud.google.com/tpu/docs/v6e.md.txt", []),
        ("catalog export_rules.toml", ["export_rules.toml"]),
        ("Hoffmann et al. 2022, Table A3", []),
    ],
)
def test_file_reference_detection(text, expected):
    assert local_file_references(text) == expected


def test_notes_section_detection():
    assert NOTES_SECTION.search("figures.md §B6 (H100 15,831)")
    assert NOTES_SECTION.search("see § C5")
    assert not NOTES_SECTION.search("Narayanan et al. 2021 (SC21) §2.2")


def test_shipped_catalog_file_counts_as_shipped():
    assert "export_rules.toml" in SHIPPED
    assert "figures.md" not in SHIPPED


def test_license_file_is_mit_and_matches_pyproject():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the scendsl authors" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "LICENSE" in project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
