"""The AI-GPU market checked against one vendor's reported sales: NVIDIA's data-centre revenue
in its last fiscal year by the scenario year (`market.vendor_datacenter_revenue`), and the
warning where the catalog's market is smaller and the cluster's share of it is a finding."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import scenario_warnings

CATALOG = load_catalog()
MARKET = CATALOG.market


def run(year: int, count: str = "100k", accelerator: str = "GB200"):
    text = f"""
scenario s {{
  year {year}
  region US
  cluster {{
    accelerator {accelerator}
    count {count}
  }}
}}
"""
    return evaluate(scendsl.load(text).get("s"))


def _calendar_years() -> dict[int, str]:
    """Each fiscal figure's calendar year, by the catalog's own offset."""
    assert MARKET.fiscal_offset is not None
    shift = round(MARKET.fiscal_offset.value)
    return {int(key[2:]) + shift: key for key in MARKET.nvidia_datacenter_revenue}


def test_a_fiscal_year_ending_in_january_stands_for_the_calendar_year_before():
    assert MARKET.fiscal_offset is not None and MARKET.fiscal_offset.value == -1
    assert "FISCAL YEAR END 0126" in MARKET.fiscal_offset.source


@pytest.mark.parametrize("year", sorted(_calendar_years()))
def test_each_reported_year_gives_its_own_fiscal_figure(year):
    key = _calendar_years()[year]
    node = run(year).node("market.vendor_datacenter_revenue")
    assert node.value == MARKET.nvidia_datacenter_revenue[key].value
    assert f"[{key}]" in node.origin and "last reported" not in (node.note or "")


def test_a_later_year_keeps_the_last_reported_figure_and_says_so():
    last = max(_calendar_years())
    node = run(last + 3).node("market.vendor_datacenter_revenue")
    key = _calendar_years()[last]
    assert node.value == MARKET.nvidia_datacenter_revenue[key].value
    assert f"the last reported year before {last + 3}" in node.note


def test_a_year_before_any_report_has_no_floor():
    first = min(_calendar_years())
    assert run(first - 1).value("market.vendor_datacenter_revenue") is None


def _market_warnings(result) -> list:
    return [w for w in scenario_warnings(result) if w.rule == "market-below-vendor-revenue"]


def test_a_large_cluster_priced_against_a_market_smaller_than_the_vendors_sales_is_warned():
    result = run(2025)
    market, floor = (
        result.value("market.global_market"),
        result.value("market.vendor_datacenter_revenue"),
    )
    assert market < floor  # the catalog's 2025 market against NVIDIA's fiscal 2026
    assert result.value("market.share_of_global_market") >= 0.01
    (warning,) = _market_warnings(result)
    assert "smaller than NVIDIA's data-centre revenue" in warning.message


def test_a_small_cluster_whose_share_is_no_finding_is_not_warned():
    result = run(2025, count="1000", accelerator="H100")
    assert result.value("market.share_of_global_market") < 0.01
    assert _market_warnings(result) == []
