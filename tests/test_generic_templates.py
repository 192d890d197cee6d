"""The briefings assume no particular source: with scenarios that have nothing to do with the
sample article, no page speaks of its clusters, labs or figures, and a scenario's own `context`
text is what its pages print (escaped)."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import pytest

from scendsl.app.build import render_files
from scendsl.report.render import md_escape

CATALOG = Path(__file__).resolve().parent.parent / "scendsl" / "catalog"

CONTEXT = "A public <cluster> for *French* research & industry | sovereign."

SCENARIOS = f"""
scenario france_b200 {{
  title    "Sovereign cluster in France (B200)"
  operator "A national lab"
  year     2026
  region   FR
  source   "Hypothetical ministry plan"
  context  "{CONTEXT}"
  cluster {{
    accelerator B200
    count       100k
    mfu         40%
  }}
  workload {{
    parameters 400B
    tokens     15T
  }}
  expect energy.facility_power >= 100 MW "the site needs well over a hundred megawatts"
}}

scenario india_h100 {{
  title    "University consortium in India (H100)"
  year     2025
  region   IN
  cluster {{
    accelerator H100
    count       10k
    mfu         35%
  }}
  workload {{
    parameters 70B
    tokens     2T
  }}
}}
"""

#: Words of the sample article (its clusters, labs, site, figures and name). "GB200" and
#: "Google" are left out: they are also hardware and a publisher that the catalog's citations
#: name for reasons of their own.
ARTICLE_WORDS = (
    "Colossus",
    "Anthropic",
    "OpenAI",
    "xAI",
    "Memphis",
    "500 MW",
    "Texas",
    "AINews",
    "source article",
    "the article",
)


def _catalog_citations() -> list[str]:
    """Every source and note string of the catalog, as the pages may print it.

    Citations may name the article a catalog figure comes from; that is provenance, not prose.
    """
    found: set[str] = set()

    def walk(value: object, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("source", "note", "sources"):
            found.add(value)

    for path in sorted(CATALOG.glob("*.toml")):
        walk(tomllib.loads(path.read_text(encoding="utf-8")), None)
    forms = set()
    for text in found:
        escaped = str(md_escape(text))
        forms.update((text, escaped, html.escape(text), html.escape(escaped)))
    return sorted(forms, key=len, reverse=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("generic") / "generic.scn"
    path.write_text(SCENARIOS, encoding="utf-8")
    return {
        name: body.decode("utf-8") for name, body in render_files([str(path)], samples=0).items()
    }


def test_no_page_speaks_of_the_sample_article_for_other_scenarios(files):
    citations = _catalog_citations()
    found = []
    for name, text in sorted(files.items()):
        for citation in citations:
            text = text.replace(citation, "")
        for word in ARTICLE_WORDS:
            for match in re.finditer(re.escape(word), text):
                found.append((name, word, text[max(0, match.start() - 80) : match.end() + 40]))
    assert found == []


def test_topical_page_openings_name_no_cluster_of_the_sample_article(files):
    # The openings are prose written by the templates: not even the hardware may be assumed.
    for page in ("compute-divide", "energy", "risk", "landscape", "index"):
        opening = files[f"{page}.md"].split("\n## ", 1)[0]
        for word in ("GB200", "Google", *ARTICLE_WORDS):
            assert word not in opening, (page, word)


def test_context_is_printed_escaped_on_its_scenario_page(files):
    escaped = str(md_escape(CONTEXT))
    assert escaped != CONTEXT  # the text has characters Markdown would read
    assert escaped in files["france_b200.md"]
    # Outside the scenario's block as written, a code fence where nothing is markup.
    prose = re.sub(r"^(`{3,})scn\n.*?\n\1$", "", files["france_b200.md"], flags=re.M | re.S)
    assert "<cluster>" not in prose
    assert "&lt;cluster&gt;" in files["france_b200.html"]
    assert "<cluster>" not in files["france_b200.html"]


def test_context_is_listed_on_the_compute_divide_page_with_its_scenario(files):
    page = files["compute-divide.md"]
    line = next(line for line in page.splitlines() if str(md_escape(CONTEXT)) in line)
    assert "(france_b200.md)" in line
    assert "india_h100" not in line


def test_scenario_without_context_prints_none(files):
    assert str(md_escape(CONTEXT)) not in files["india_h100.md"]


def test_export_risk_rows_name_each_scenarios_own_accelerator_and_region(files):
    export = files["risk.md"].split("## Export control", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in export.splitlines() if line.startswith("| [")]
    assert any("(france_b200.md) (B200 in FR)" in row for row in rows)
    assert any("(india_h100.md) (H100 in IN)" in row for row in rows)


def test_a_catalog_note_that_speaks_of_the_article_names_it():
    """A note is printed alone (a briefing's caveats, its assumptions): 'Article forecast.' after
    the AI-GPU market of a Kenyan or Indonesian scenario named no article its reader knew. A note
    that speaks of the sample's article names it."""
    speaks = re.compile(r"\b(?:the|source) article\b|^article\b|\barticle's", re.IGNORECASE)
    unnamed = []

    def walk(value: object, key: str | None, where: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k, f"{where}.{k}")
        elif isinstance(value, list):
            for v in value:
                walk(v, key, where)
        elif (
            key == "note"
            and isinstance(value, str)
            and speaks.search(value)
            and "AINews" not in value
        ):
            unnamed.append(where)

    for path in sorted(CATALOG.glob("*.toml")):
        walk(tomllib.loads(path.read_text(encoding="utf-8")), None, path.name)
    assert unnamed == []
