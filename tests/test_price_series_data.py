"""Purchase-price series are data: the catalog's market.toml [price_series] names the series a
scenario may choose, says what each is, and the language, the briefing, `list` and the editor
read them from there (no code names a series but the one of accelerators.toml's prices)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.catalog.model import CatalogError
from scendsl.cli import main
from scendsl.language.fields import SECTIONS
from tests.factories import scenario_text
from tests.test_catalog import _load_from, data_dir, edit  # noqa: F401 (a fixture)

SERIES = load_catalog().market.price_series


def test_the_language_offers_exactly_the_catalogs_series():
    assert tuple(SECTIONS["market"]["price_series"].choices) == tuple(SERIES)


@pytest.mark.parametrize("name", list(SERIES))
def test_the_briefing_says_what_the_chosen_series_is_in_the_catalogs_words(tmp_path, name):
    body = f"  market {{\n    price_series {name}\n  }}\n"
    text = scenario_text("s", accelerator="GB200", count=1000, year=2025, body=body)
    path = tmp_path / "s.scn"
    path.write_text(text, encoding="utf-8")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    said = f"Purchase prices come from the **{name}** price series ({SERIES[name].description})"
    assert said in page
    result = scendsl.evaluate(scendsl.load_text(text).scenarios[0])
    assert result.value("market.price_series_reported") is SERIES[name].reported


def test_list_price_series_gives_each_series_and_what_it_prices(capsys):
    assert main(["list", "price-series", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["name"] for r in rows] == list(SERIES)
    purchase = load_catalog().market.purchase
    for row in rows:
        assert row["description"] == SERIES[row["name"]].description
        if row["name"] in purchase:
            assert row["accelerators"].split() == list(purchase[row["name"]])


def test_prices_of_a_series_the_catalog_does_not_describe_are_refused(data_dir: Path):  # noqa: F811
    edit(data_dir / "market.toml", "[purchase.article.H100]", "[purchase.forecast.H100]")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert (info.value.entry, info.value.field) == ("purchase", "forecast")


def test_the_series_of_accelerator_prices_must_be_described(data_dir: Path):  # noqa: F811
    edit(data_dir / "market.toml", "[price_series.market]", "[price_series.reported]")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert info.value.field == "market"
