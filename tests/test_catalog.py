"""The catalog: data files with sources and the typed loader."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from pydantic import ValidationError

from scendsl.catalog import (
    REQUIRED_ACCELERATOR_FIGURES,
    STATUS_ORDER,
    Catalog,
    CatalogError,
    Figure,
    _load_from,
    load_catalog,
)
from scendsl.catalog.entries import _ISO_FILE
from scendsl.catalog.load import _FILES

#: Chips added for published runs and the compute divide (issue 12).
NEW_CHIPS = (
    "V100 A100_40GB A100_80GB A800 H800 L40S B300 GB300 MI250X MI355X Gaudi2 TPUv3 TPUv4 TPUv7"
    " Trainium2 GH200"
    " Max1550".split()  # Argentina's Clementina XXI, a compute-divide reference outside US and EU
)
ACCELERATORS = set(
    "H100 H200 B200 GB200 MI300X MI325X Gaudi3 TPUv5p TPUv6e TPUv5e H20".split()
    + NEW_CHIPS
    + ["Ascend910B", "Ascend910C"]
)
ENERGY = set(
    "coal gas stranded_gas solar wind offshore_wind nuclear smr hydro geothermal diesel lignite oil csp grid".split()
)
REGIONS = set(
    "US CN AE SA TW IN DE GB JP KR FR NL IE FI SE NO DK BE IT ES AU NZ CA SG IL PL MY VN RU IR KP"
    " MO HK BR MX".split()
)
TIER1 = set("US AU BE CA DK FI FR DE IE IT JP NL NZ NO KR ES SE TW GB".split())
CONFIDENCE = re.compile(r"^[ABCU](/[ABCU])?$")
DATA_FILES = (*_FILES, _ISO_FILE)  # the loader's own list: a new data file is copied too


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def all_figures(catalog: Catalog) -> Iterator[tuple[str, Figure]]:
    """Every figure of the catalog with a readable path."""
    for name, acc in catalog.accelerators.items():
        for key, fig in acc.figures.items():
            yield f"accelerators.{name}.{key}", fig
        for year, fig in acc.price.items():
            yield f"accelerators.{name}.price.{year}", fig
    for name, src in catalog.energy_sources.items():
        for key in ("intensity", "price"):
            if getattr(src, key) is not None:
                yield f"energy.{name}.{key}", getattr(src, key)
    for code, region in catalog.regions.items():
        for year, fig in region.grid_intensity.items():
            yield f"regions.{code}.grid_intensity.{year}", fig
        if region.electricity_price is not None:
            yield f"regions.{code}.electricity_price", region.electricity_price
    for name, fig in catalog.calibration.items():
        yield f"calibration.{name}", fig
    market = catalog.market
    series_names = (
        "ai_gpu_market_size",
        "nvidia_share",
        "nvidia_datacenter_revenue",
        "nvidia_total_revenue",
        "figures",
    )
    for series in series_names:
        for key, fig in getattr(market, series).items():
            yield f"market.{series}.{key}", fig
    for acc, table in market.rental.items():
        for year, fig in table.items():
            yield f"market.rental.{acc}.{year}", fig
    for rule in catalog.export_rules:
        for name, fig in rule.limits.items():
            yield f"export_rules.{rule.id}.limits.{name}", fig


def tpp(catalog: Catalog, name: str) -> float:
    """Total processing performance as BIS defines it: dense tera-ops x bit length, the highest."""
    figs = catalog.accelerators[name].figures
    bits = {"bf16_dense": 16, "fp8_dense": 8, "int8_dense": 8, "fp4_dense": 4}
    return max(figs[key].value / 1e12 * b for key, b in bits.items() if key in figs)


# ----------------------------------------------------------------------------- accelerators


def test_accelerator_keys(catalog: Catalog) -> None:
    assert set(catalog.accelerators) == ACCELERATORS


@pytest.mark.parametrize("name", sorted(ACCELERATORS))
def test_accelerator_has_required_figures_with_dimensions(catalog: Catalog, name: str) -> None:
    acc = catalog.accelerators[name]
    for key, dimension in REQUIRED_ACCELERATOR_FIGURES.items():
        assert key in acc.figures, f"{name} lacks {key}"
        assert acc.figures[key].dimension == dimension, f"{name}.{key}"
        assert acc.figures[key].value > 0
    assert acc.figures["fp8_dense"].value >= acc.figures["bf16_dense"].value
    assert acc.figures["scaleup_domain"].value == int(acc.figures["scaleup_domain"].value) >= 1
    assert int(acc.announced[:4]) <= acc.available_year
    assert acc.hostlink_kind


def test_required_figure_names_are_those_of_the_brief() -> None:
    assert REQUIRED_ACCELERATOR_FIGURES == {
        "bf16_dense": "flop_rate",
        "fp8_dense": "flop_rate",
        "hbm": "data",
        "hbm_bandwidth": "bandwidth",
        "scaleup_bandwidth": "bandwidth",
        "scaleup_domain": "number",
        "hostlink_bandwidth": "bandwidth",
        "tdp": "power",
    }


def test_spot_checks_against_figures_md(catalog: Catalog) -> None:
    acc = catalog.accelerators
    assert acc["H100"].figures["fp8_dense"].value == pytest.approx(1978.9e12)
    assert acc["H100"].figures["bf16_dense"].value == pytest.approx(989.4e12)
    assert acc["H100"].figures["hbm"].value == pytest.approx(80e9)
    assert acc["H100"].figures["hbm_bandwidth"].value == pytest.approx(3.35e12)
    assert acc["H100"].figures["scaleup_bandwidth"].value == pytest.approx(900e9)
    assert acc["H100"].figures["hostlink_bandwidth"].value == pytest.approx(128e9)
    # one 400 Gb/s NIC: 50 GB/s each way, 100 GB/s both ways (links are bidirectional totals)
    assert acc["H100"].figures["scaleout_bandwidth"].value == pytest.approx(100e9)
    assert acc["GB200"].figures["tdp"].value == pytest.approx(1200)
    assert acc["GB200"].figures["fp8_dense"].value == pytest.approx(5e15)
    assert acc["GB200"].figures["scaleup_domain"].value == 72
    assert acc["GB200"].figures["hostlink_bandwidth"].value == pytest.approx(900e9)
    assert acc["GB200"].hostlink_shared_by == 2
    assert acc["GB200"].hostlink_kind == "NVLink-C2C"
    assert acc["H100"].hostlink_kind == "PCIe Gen5 x16"
    assert acc["B200"].figures["fp4_dense"].value == pytest.approx(9e15)
    assert acc["MI300X"].figures["fp8_dense"].value == pytest.approx(2614.9e12)
    assert acc["TPUv5p"].figures["scaleup_domain"].value == 8960
    assert acc["H100"].figures["die_area"].value == pytest.approx(814e-6)  # m2


def test_tpp_matches_the_bis_h100_equivalence(catalog: Catalog) -> None:
    # AI Diffusion: 790M TPP = 49,901 H100s, so BIS counts the H100 at its dense rate (figures.md B5).
    assert tpp(catalog, "H100") == pytest.approx(790_000_000 / 49_901, abs=1)
    assert tpp(catalog, "Gaudi3") == pytest.approx(29_360)  # BF16 drives it
    assert tpp(catalog, "H20") == pytest.approx(2_368)
    h20_die_mm2 = catalog.accelerators["H20"].figures["die_area"].value * 1e6
    assert tpp(catalog, "H20") / h20_die_mm2 == pytest.approx(2.91, abs=0.01)


def test_chips_without_fp8_run_at_bf16_rate(catalog: Catalog) -> None:
    for name in ("TPUv5e", "TPUv6e", "TPUv3", "TPUv4", "A100_40GB", "A100_80GB", "A800", "MI250X"):
        figs = catalog.accelerators[name].figures
        assert figs["fp8_dense"].value == figs["bf16_dense"].value, name
        assert "BF16" in (figs["fp8_dense"].note or ""), name
    # The V100 has neither BF16 nor FP8: its FP16 tensor rate stands in for both.
    v100 = catalog.accelerators["V100"].figures
    assert v100["fp8_dense"].value == v100["bf16_dense"].value == pytest.approx(125e12)
    assert "FP16" in (v100["fp8_dense"].note or "") and "FP16" in (v100["bf16_dense"].note or "")


def test_prices(catalog: Catalog) -> None:
    gb200 = catalog.accelerators["GB200"].price
    # Reported prices (the market series): an NVL72 rack of ~USD 3.05M / 72 GPUs in 2025, the
    # midpoint of USD 3.0-3.9M / 72 (USD 47,917, written 47.92k) in 2026.
    assert {year: fig.value for year, fig in gb200.items()} == {2025: 42_000, 2026: 47_920}
    # The source article's own GB200 estimates and forecasts are a series of their own.
    article = catalog.market.purchase["article"]["GB200"]
    assert {year: fig.value for year, fig in article.items()} == {
        2024: 30_000,
        2025: 25_000,
        2026: 20_000,
    }
    assert all(fig.confidence == "C" for fig in (*gb200.values(), *article.values()))
    assert catalog.accelerators["H100"].price[2023].value == pytest.approx(27_500)
    for name in ("TPUv5p", "TPUv5e", "TPUv6e", "TPUv3", "TPUv4", "TPUv7", "Trainium2"):
        acc = catalog.accelerators[name]
        assert acc.price == {}
        assert "not sold" in (acc.note or "").lower(), name
    for acc in catalog.accelerators.values():
        assert all(fig.dimension == "currency" for fig in acc.price.values())


# -------------------------------------------------------- chips of published runs (issue 12)

#: Plausible ranges for the chips of 2017-2026 (SI units): a typo of a factor 1,000 fails.
PLAUSIBLE = {
    "bf16_dense": (50e12, 5_000e12),
    "fp8_dense": (50e12, 10_000e12),
    "hbm": (16e9, 400e9),
    "hbm_bandwidth": (500e9, 10e12),
    "scaleup_bandwidth": (32e9, 2e12),
    "hostlink_bandwidth": (16e9, 1e12),
    "tdp": (100, 2_000),
}

#: What an A-graded source must name: the vendor's own document (site or document title).
VENDOR_DOCUMENTS = {
    "NVIDIA": ("nvidia.com",),
    "AMD": ("amd.com",),
    "Intel": ("intel.com", "habana.ai"),
    "Google": ("cloud.google.com", "blog.google"),
    "AWS": ("awsdocs-neuron", "aws.amazon.com"),
}


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_new_chip_has_required_figures_in_plausible_ranges(catalog: Catalog, name: str) -> None:
    acc = catalog.accelerators[name]
    for key, (low, high) in PLAUSIBLE.items():
        value = acc.figures[key].value
        assert low <= value <= high, f"{name}.{key} = {acc.figures[key].text}"
    assert 1 <= acc.figures["scaleup_domain"].value <= 10_000
    assert 2017 <= acc.available_year <= 2026
    assert acc.vendor in VENDOR_DOCUMENTS


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_new_chip_a_grades_cite_the_vendor_s_own_document(catalog: Catalog, name: str) -> None:
    acc = catalog.accelerators[name]
    markers = VENDOR_DOCUMENTS[acc.vendor]
    figures = [*acc.figures.items(), *((f"price.{y}", f) for y, f in acc.price.items())]
    for key, fig in figures:
        if fig.confidence == "A":
            assert any(m in fig.source for m in markers), f"{name}.{key}: {fig.source}"
        if fig.confidence == "U":
            assert fig.note, f"{name}.{key}: a placeholder says why"


def test_new_chips_dense_rates_from_vendor_documents(catalog: Catalog) -> None:
    acc = catalog.accelerators
    # Google Cloud TPU docs and the AWS Neuron docs, read directly.
    assert acc["TPUv3"].figures["bf16_dense"].value == pytest.approx(123e12)
    assert acc["TPUv4"].figures["bf16_dense"].value == pytest.approx(275e12)
    assert acc["TPUv4"].figures["tdp"].value == pytest.approx(192)
    assert acc["TPUv7"].figures["fp8_dense"].value == pytest.approx(4614e12)
    assert acc["TPUv7"].figures["scaleup_domain"].value == 9216
    assert acc["Trainium2"].figures["fp8_dense"].value == pytest.approx(1299e12)  # dense, not 2,563
    # GiB in the vendor documents become GB here.
    assert acc["TPUv4"].figures["hbm"].value == pytest.approx(32 * 2**30, rel=1e-3)
    assert acc["Trainium2"].figures["hbm"].value == pytest.approx(96 * 2**30, rel=1e-3)
    # Sparse headlines halved: A100 624 -> 312, GB300 rack 360 PF FP8 sparse / 72 / 2.
    assert acc["A100_80GB"].figures["bf16_dense"].value == pytest.approx(312e12)
    assert acc["GB300"].figures["fp8_dense"].value == pytest.approx(5e15)
    assert acc["GB300"].hostlink_shared_by == 2


def test_china_variants_differ_from_their_parents_only_in_interconnect(catalog: Catalog) -> None:
    acc = catalog.accelerators
    for variant, parent in (("A800", "A100_80GB"), ("H800", "H100")):
        for key in ("bf16_dense", "fp8_dense", "hbm", "hbm_bandwidth", "tdp"):
            assert acc[variant].figures[key].value == acc[parent].figures[key].value, variant
        assert acc[variant].figures["scaleup_bandwidth"].value == pytest.approx(400e9)
        assert acc[parent].figures["scaleup_bandwidth"].value > 400e9


def test_china_variants_pass_the_2022_rule_and_fail_the_2023_one(catalog: Catalog) -> None:
    # The A800 and H800 cut NVLink to 400 GB/s to stay under the Oct 2022 interconnect criterion;
    # the Oct 2023 rule dropped that criterion. Their parents needed a licence from the start.
    from scendsl.model.domains.export_rules import status_for

    before, after = dt.date(2023, 7, 1), dt.date(2024, 7, 1)
    for variant, parent in (("A800", "A100_80GB"), ("H800", "H100")):
        assert status_for(catalog, variant, "CN", before).status == "allowed", variant
        assert status_for(catalog, parent, "CN", before).status == "licence_required", parent
        assert status_for(catalog, variant, "CN", after).status == "presumption_of_denial"
    assert status_for(catalog, "V100", "CN", after).status == "allowed"  # TPP 2,000


def test_h20_is_dated_and_priced(catalog: Catalog) -> None:
    h20 = catalog.accelerators["H20"]
    assert h20.announced == "2023-11"
    assert {year: fig.value for year, fig in h20.price.items()} == {2024: 13_500, 2025: 11_000}


def test_a100_rents_by_the_capacity_block_rate(catalog: Catalog) -> None:
    rent = catalog.market.rental["A100_40GB"][2024]
    assert rent.value * 3600 == pytest.approx(1.844)  # USD per accelerator-hour
    assert "p4d" in rent.source and "on-demand" in (rent.note or "")


def test_cloud_only_chips_have_chip_hour_rental_prices_and_no_purchase_price(
    catalog: Catalog,
) -> None:
    rental = catalog.market.rental
    assert catalog.accelerators["Trainium2"].price == {}
    assert rental["Trainium2"][2025].value * 3600 == pytest.approx(85.964 / 16)
    for name in ("TPUv3", "TPUv4", "TPUv5e", "TPUv5p", "TPUv6e"):
        assert catalog.accelerators[name].price == {}, name
        assert rental[name], name
        assert all("Google" in fig.source for fig in rental[name].values()), name
    # Google Cloud list prices, on-demand, USD per chip-hour.
    per_hour = {
        (name, year): rental[name][year].value * 3600
        for name, year in (("TPUv3", 2020), ("TPUv4", 2022), ("TPUv5e", 2025), ("TPUv6e", 2024))
    }
    assert per_hour == pytest.approx(
        {
            ("TPUv3", 2020): 2.00,
            ("TPUv4", 2022): 3.22,
            ("TPUv5e", 2025): 1.20,
            ("TPUv6e", 2024): 2.70,
        }
    )


def test_a100_prices_reach_back_to_its_launch_year(catalog: Catalog) -> None:
    launch = catalog.accelerators["A100_40GB"].price[2020]
    assert launch.value == 24_875  # DGX A100 at USD 199,000 / 8 GPUs
    assert "DGX A100" in launch.source and "/ 8" in launch.source
    on_demand = catalog.market.rental["A100_40GB"]
    assert {2021, 2022, 2023} <= set(on_demand)
    assert all(on_demand[y].value * 3600 == pytest.approx(4.10) for y in (2021, 2022, 2023))


def test_2025_rental_gap_of_h200_mi300x_mi325x_l40s_is_filled_by_dated_medians(
    catalog: Catalog,
) -> None:
    rental = catalog.market.rental
    per_hour = {
        name: rental[name][2025].value * 3600 for name in ("H200", "MI300X", "MI325X", "L40S")
    }
    assert per_hour == pytest.approx({"H200": 3.545, "MI300X": 3.15, "MI325X": 2.25, "L40S": 1.55})
    for name in per_hour:
        fig = rental[name][2025]
        # One pinned version of the community table, so the figures can be re-read.
        assert "cloud_gpu.json" in fig.source and "61a3021" in fig.source, name
        assert fig.confidence == "C" and "median" in (fig.note or ""), name


def test_b300_has_a_purchase_and_a_rental_price(catalog: Catalog) -> None:
    b300 = catalog.accelerators["B300"]
    assert {year: fig.value for year, fig in b300.price.items()} == {2026: 325_000 / 8}
    assert "8-GPU system" in b300.price[2026].source and "/ 8" in (b300.price[2026].note or "")
    assert catalog.market.rental["B300"][2026].value * 3600 == pytest.approx(6.125)


def test_h100_rental_note_records_the_june_2025_aws_price_cut(catalog: Catalog) -> None:
    note = catalog.market.rental["H100"][2025].note or ""
    assert "98.32" in note and "55.04" in note and "Jun 5 2025" in note


def test_h200_2026_price_is_the_reported_china_price(catalog: Catalog) -> None:
    fig = catalog.accelerators["H200"].price[2026]
    assert fig.value == 27_000 and "Reuters" in fig.source and "China" in (fig.note or "")


def test_approximate_chip_costs_are_graded_c_and_say_they_are_estimates(catalog: Catalog) -> None:
    estimated = {
        name: year
        for name, acc in catalog.accelerators.items()
        for year, fig in acc.price.items()
        if "Cost per chip (approx.)" in fig.source
    }
    assert {"MI325X", "MI355X", "MI250X", "A800", "H800", "GB300", "H200"} <= set(estimated)
    for name, year in estimated.items():
        fig = catalog.accelerators[name].price[year]
        assert fig.confidence == "C" and "estimate" in (fig.note or ""), name


def test_price_points_are_plausible_per_accelerator() -> None:
    """A unit slip (a rack price, or USD per month read as per hour) fails here."""
    catalog = load_catalog()
    for name, acc in catalog.accelerators.items():
        for year, fig in acc.price.items():
            assert 2017 <= year <= 2026 and 5_000 <= fig.value <= 100_000, (name, year, fig.text)
    for name, table in catalog.market.rental.items():
        for year, fig in table.items():
            assert 2017 <= year <= 2026 and 0.5 <= fig.value * 3600 <= 20, (name, year, fig.text)


# ---------------------------------------------------------------------------------- sources


def test_every_figure_has_a_source_and_a_valid_confidence(catalog: Catalog) -> None:
    figures = list(all_figures(catalog))
    assert len(figures) > 200
    for path, fig in figures:
        assert fig.source.strip(), path
        assert CONFIDENCE.match(fig.confidence), path
        assert fig.text.strip(), path


def test_unsourced_figures_say_so(catalog: Catalog) -> None:
    for path, fig in all_figures(catalog):
        if fig.confidence == "U":
            assert fig.note or re.search(r"not|none|assum", fig.source, re.I), path


# ---------------------------------------------------------------------------- energy, regions


def test_energy_sources(catalog: Catalog) -> None:
    energy = catalog.energy_sources
    assert set(energy) == ENERGY
    grid = energy["grid"]
    assert grid.uses_region_grid and grid.intensity is None and grid.price is None
    for name, src in energy.items():
        if name != "grid":
            assert src.intensity is not None and src.intensity.dimension == "carbon_intensity", name
            assert src.price is not None and src.price.dimension == "energy_price", name
    g_per_kwh = 1e-3 / 3.6e6  # kg/J
    assert energy["coal"].intensity.value == pytest.approx(820 * g_per_kwh)
    assert energy["stranded_gas"].intensity.value == energy["gas"].intensity.value
    assert energy["smr"].intensity.value == energy["nuclear"].intensity.value
    assert energy["smr"].price.value == pytest.approx(89 / 3.6e9)
    assert energy["smr"].price.confidence == "B"
    assert "99.89%" in energy["stranded_gas"].intensity.note


def test_region_codes_and_tiers(catalog: Catalog) -> None:
    regions = catalog.regions
    assert REGIONS <= set(regions)
    for code, region in regions.items():
        assert re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code)
        assert region.code == code
        assert {2023, 2024, 2025} <= set(region.grid_intensity), code
    countries_in_tier1 = {
        code for code, r in regions.items() if r.diffusion_tier == 1 and "-" not in code
    }
    assert countries_in_tier1 == TIER1
    for code, region in regions.items():
        if "D:5" in region.groups or code == "MO":
            assert region.diffusion_tier == 3, code
    assert regions["PL"].diffusion_tier == 2


def test_grid_intensity_values(catalog: Catalog) -> None:
    g = 1e-3 / 3.6e6
    regions = catalog.regions
    assert regions["US"].grid_intensity[2024].value == pytest.approx(383.8 * g)
    assert regions["DE"].grid_intensity[2024].value == pytest.approx(211.2 * g)
    assert "EU-27" in regions["FR"].grid_intensity[2023].note
    assert regions["JP"].grid_intensity[2024].value == pytest.approx(471.1 * g)
    assert regions["JP"].grid_intensity[2024].confidence == "C"
    assert "World average" in regions["JP"].grid_intensity[2024].note


# ------------------------------------------------------------------ references, market, rules


def test_references_name_catalog_accelerators(catalog: Catalog) -> None:
    assert len(catalog.references) >= 3
    kinds = {r.kind for r in catalog.references.values()}
    assert kinds == {"university", "open_source_lab", "national_resource"}
    for name, ref in catalog.references.items():
        assert ref.accelerator in catalog.accelerators, name
        assert ref.count > 0 and ref.source and CONFIDENCE.match(ref.confidence)


#: National public AI compute by country: the reference that must stay, its accelerator and a
#: word of the source it cites (a floor: an edit that drops a country or its source fails here).
NATIONAL_RESOURCES = {
    "US": ("nairr_pilot", "H100", "CSET"),
    "DE": ("jupiter_booster", "GH200", "Jülich"),
    "GB": ("isambard_ai", "GH200", "McIntosh-Smith"),
    "CH": ("cscs_alps", "GH200", "CSCS"),
    "JP": ("abci_3", "H200", "arXiv:2411.09134"),
    "IN": ("indiaai_compute", "H100", "Vaishnaw"),
    "FR": ("jean_zay_h100", "H100", "GENCI"),
    "IT": ("leonardo_booster", "A100_80GB", "CINECA"),
    "FI": ("lumi_g", "MI250X", "CSC"),
    "KR": ("korea_national_ai_compute", "B200", "Ministry of Science and ICT"),
    "ES": ("marenostrum5_acc", "H100", "Barcelona Supercomputing Center"),
    "SA": ("kaust_shaheen3_gpu", "GH200", "KAUST"),
    "CA": ("canada_paice_h100", "H100", "Digital Research Alliance of Canada"),
    "SG": ("nscc_aspire_2b", "H200", "nscc.sg/aspire-2b"),
}


@pytest.mark.parametrize("region", sorted(NATIONAL_RESOURCES))
def test_each_country_keeps_its_national_compute_resource_and_source(
    catalog: Catalog, region: str
) -> None:
    name, accelerator, cited = NATIONAL_RESOURCES[region]
    ref = catalog.references[name]
    assert (ref.kind, ref.region, ref.accelerator) == ("national_resource", region, accelerator)
    assert cited in ref.source and ref.count > 0 and 2019 <= ref.year <= 2026


def test_market(catalog: Catalog) -> None:
    market = catalog.market
    size = {y: f.value for y, f in market.ai_gpu_market_size.items()}
    assert size == {2024: 45e9, 2025: 75e9, 2026: 120e9}
    share = {y: f.value for y, f in market.nvidia_share.items()}
    assert share == pytest.approx({2024: 0.85, 2025: 0.80, 2026: 0.75})
    assert market.nvidia_datacenter_revenue["FY2025"].value == pytest.approx(115.2e9)
    assert market.rental["H100"][2024].dimension == "hourly_price"
    assert set(market.rental) <= set(catalog.accelerators)


def test_calibration(catalog: Catalog) -> None:
    cal = catalog.calibration
    rate = cal["interruption_rate_per_accelerator_day"].value
    assert rate == pytest.approx(419 / (54 * 16_384), rel=1e-3)
    # The GPU servers' node overhead: DGX H100 and DGX B200 against their GPUs' and two 350 W
    # host CPUs' power (per 8-GPU server), one share through both.
    assert cal["host_power"].value * 8 == pytest.approx(2 * 350)
    share = (10_200 + 14_300) / (5_600 + 700 + 8_000 + 700) - 1
    assert cal["node_overhead"].value == pytest.approx(share, abs=1e-4)
    # A run's mean draw (Newkirk et al.: 76 % of the 10.2 kW rating), not the node's 8.4 kW peak;
    # the constants fitted through it keep their calibration runs' power: Frontier's 22,703 kW
    # over 36,864 MI250X (560 W), with the 7.5 % network share.
    fraction = cal["training_power_fraction"].value
    assert fraction == pytest.approx(0.76) and fraction < 8.4 / 10.2
    blade = cal["node_overhead_blade"].value
    network = cal["network_overhead"].value
    assert 560 * (1 + blade) * fraction * (1 + network) == pytest.approx(
        22_703e3 / 36_864, rel=1e-3
    )
    assert cal["pue_hyperscale_2024"].value == pytest.approx(1.09)
    assert cal["smr_unit_power"].value == pytest.approx(300e6)
    assert "household_annual_energy" not in cal  # by country now: households.toml
    assert cal["checkpoint_write_time"].dimension == "time"
    assert cal["restart_time"].dimension == "time"
    assert cal["chinchilla_alpha"].value == pytest.approx(0.34)
    assert "hours_per_year" not in cal


def test_export_rules_are_dated_and_consistent(catalog: Catalog) -> None:
    rules = catalog.export_rules
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids))
    assert [rule.effective for rule in rules] == sorted(rule.effective for rule in rules)
    by_id = {rule.id: rule for rule in rules}
    assert by_id["oct2022"].effective == dt.date(2022, 10, 7)
    assert by_id["oct2022"].superseded_by == "acs2023"
    assert by_id["diffusion2025"].rescinded == dt.date(2025, 5, 13)
    oct2022 = by_id["oct2022"].classes[0].when[0]
    assert (oct2022.tpp_min, oct2022.io_min) == (4800, 600e9)
    acs = {c.id: c for c in by_id["acs2023"].classes}
    assert {(b.tpp_min, b.pd_min) for b in acs["3A090.a"].when} == {(4800, None), (1600, 5.92)}
    for rule in rules:
        assert rule.citation and rule.source and CONFIDENCE.match(rule.confidence)
        for treatment in rule.treatments:
            assert treatment.status in STATUS_ORDER
            assert set(treatment.regions) <= set(catalog.regions)


# ------------------------------------------------------------------------------- the loader


def test_load_catalog_is_cached_and_frozen(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    with pytest.raises(ValidationError):
        catalog.accelerators["H100"].figures["tdp"].value = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError):
        catalog.accelerators["H100"].title = "x"  # type: ignore[misc]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped data files that a test can break."""
    source = files("scendsl.catalog")
    for name in DATA_FILES:
        (tmp_path / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copy_of_the_data_loads(data_dir: Path) -> None:
    assert _load_from(data_dir) == load_catalog()


def test_wrong_dimension_names_file_entry_and_field(data_dir: Path) -> None:
    edit(data_dir / "accelerators.toml", "tdp = { value = '700 W'", "tdp = { value = '700 TFLOPS'")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    err = info.value
    assert (err.file, err.entry, err.field) == ("accelerators.toml", "H100", "tdp")
    assert "accelerators.toml" in str(err) and "H100" in str(err) and "tdp" in str(err)
    assert "power" in str(err)


def test_missing_required_figure(data_dir: Path) -> None:
    text = (data_dir / "accelerators.toml").read_text(encoding="utf-8")
    start = text.index("[MI300X]")
    line_start = text.index("hbm_bandwidth = ", start)
    line_end = text.index("\n", line_start) + 1
    (data_dir / "accelerators.toml").write_text(
        text[:line_start] + text[line_end:], encoding="utf-8"
    )
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert (info.value.entry, info.value.field) == ("MI300X", "hbm_bandwidth")


H100_TDP = (
    "tdp = { value = '700 W', source = \"NVIDIA H100 Tensor Core GPU datasheet, H100 SXM "
    "column (nvidia.com/en-us/data-center/h100/): up to 700 W; read from a copy of the table "
    "(archive-lib.hpctech.co.jp), not from NVIDIA's page\""
)
H100_HEAD = "available_year = 2023\nhostlink_kind = 'PCIe Gen5 x16'\n"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("confidence = 'B', note = 'up to 700 W", "confidence = 'X', note = 'up to 700 W", "tdp"),
        (H100_TDP, "tdp = { value = '700 W', source = '  '", "tdp"),
        ("tdp = { value = '700 W'", "tdp = { value = '700 Watts'", "tdp"),
        (H100_HEAD, H100_HEAD + "bf16_dens = 1\n", "bf16_dens"),
        ("announced = '2022-03-22'", "announced = 'March 2022'", "announced"),
    ],
    ids=["confidence", "empty-source", "unknown-unit", "unknown-field", "bad-date"],
)
def test_bad_accelerator_fields(data_dir: Path, old: str, new: str, field: str) -> None:
    edit(data_dir / "accelerators.toml", old, new)
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    where = (info.value.file, info.value.entry, info.value.field)
    assert where == ("accelerators.toml", "H100", field)


def test_reference_to_unknown_accelerator(data_dir: Path) -> None:
    edit(data_dir / "references.toml", "accelerator = 'H100'", "accelerator = 'H1000'")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    where = (info.value.file, info.value.entry, info.value.field)
    assert where == ("references.toml", "princeton_pli", "accelerator")


@pytest.mark.parametrize("region", ["XX", "us", "US-TX", ""])
def test_reference_in_an_unknown_region_is_refused(data_dir: Path, region: str) -> None:
    edit(data_dir / "references.toml", "region = 'US'", f"region = '{region}'")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    where = (info.value.file, info.value.entry, info.value.field)
    assert where == ("references.toml", "princeton_pli", "region")


def test_every_reference_names_its_country(catalog) -> None:
    """The key finding picks a scenario's own country's resource by this code."""
    assert all(ref.region for ref in catalog.references.values())
    assert len({ref.region for ref in catalog.references.values()}) > 1  # not one country's


def test_export_rule_with_unknown_region(data_dir: Path) -> None:
    edit(data_dir / "export_rules.toml", "regions = ['CN', 'HK']", "regions = ['CN', 'XX']")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert info.value.file == "export_rules.toml"
    assert info.value.entry == "oct2022"
    assert "regions" in info.value.field


def test_export_rule_with_bad_status(data_dir: Path) -> None:
    edit(data_dir / "export_rules.toml", "status = 'notification'", "status = 'maybe'")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert (info.value.entry, info.value.field) == ("acs2023", "treatments[1].status")


def test_region_code_must_be_two_letters(data_dir: Path) -> None:
    edit(data_dir / "regions.toml", "[MX]", "[MEX]")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert (info.value.file, info.value.entry) == ("regions.toml", "MEX")


def test_invalid_toml_names_the_file(data_dir: Path) -> None:
    (data_dir / "energy.toml").write_text("[coal\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"energy\.toml"):
        _load_from(data_dir)


def test_missing_file_names_the_file(data_dir: Path) -> None:
    (data_dir / "market.toml").unlink()
    with pytest.raises(CatalogError, match=r"market\.toml"):
        _load_from(data_dir)


def test_catalog_error_is_a_value_error() -> None:
    assert issubclass(CatalogError, ValueError)


def test_the_resolver_s_names_are_the_catalog_s(catalog: Catalog) -> None:
    from scendsl.language.names import catalog_names, is_region

    names = catalog_names()
    assert list(names.accelerators) == list(catalog.accelerators)
    assert list(names.energy_sources) == list(catalog.energy_sources)
    # names.regions: the regions with figures; the catalog adds a stand-in for every other code.
    assert list(names.regions) == [c for c, r in catalog.regions.items() if not r.fallback]
    assert all(is_region(code, names) for code in catalog.regions)
    # ISO 3166-1; the US, Canadian, Emirati, Chinese (less HK, MO, TW) and Australian
    # subdivisions; 4 Ukrainian
    assert len(catalog.regions) == 249 + 57 + 13 + 7 + 31 + 8 + 4
    assert list(names.references) == list(catalog.references)


def test_a_platform_without_its_node_overhead_is_refused_naming_the_entry(data_dir: Path) -> None:
    edit(data_dir / "accelerators.toml", "platform = 'tpu_host'", "platform = 'pod'")
    with pytest.raises(CatalogError) as info:
        _load_from(data_dir)
    assert (info.value.file, info.value.field) == ("accelerators.toml", "platform")
    assert "node_overhead_pod" in str(info.value)


def test_tpu_system_power_uses_the_tpu_host_overhead_not_the_gpu_servers() -> None:
    import scendsl
    from scendsl.model.evaluate import evaluate

    text = (
        "accelerator MyTPU extends TPUv5p {{\n  tdp 500 W\n}}\n"
        "scenario {name} {{\n  year 2025\n  region US\n  cluster {{\n"
        "    accelerator {chip}\n    count 1k\n  }}\n}}\n"
    )
    catalog = load_catalog()
    tpu, gpu = catalog.calibration["node_overhead_tpu_host"], catalog.calibration["node_overhead"]
    for chip in ("TPUv5p", "TPUv3", "MyTPU"):
        scenario = scendsl.load_text(text.format(name="s", chip=chip)).get("s")
        system = evaluate(scenario)["accelerator.system_power"]
        tdp = 500.0 if chip == "MyTPU" else catalog.accelerators[chip].figures["tdp"].value
        assert system.value == pytest.approx(tdp * (1 + tpu.value)), chip
        assert "node_overhead_tpu_host" in system.origin
    h100 = scendsl.load_text(text.format(name="g", chip="H100")).get("g")
    assert evaluate(h100)["accelerator.system_power"].value == pytest.approx(1275.0)
    assert tpu.value < gpu.value


def test_tpu_v4_takes_its_own_system_share_and_reproduces_palms_measured_power() -> None:
    """TPU v4's system share is its own (fitted on PaLM's measured system power, a calibration
    entry), a custom chip built on it inherits it, and the other TPUs keep the TPU v3 share."""
    import scendsl
    from scendsl.model.evaluate import evaluate

    text = (
        "accelerator MyV4 extends TPUv4 {{\n  tdp 250 W\n}}\n"
        "scenario {name} {{\n  year 2022\n  region US\n  cluster {{\n"
        "    accelerator {chip}\n    count 4k\n  }}\n}}\n"
    )
    catalog = load_catalog()
    v4, v3 = (
        catalog.calibration["node_overhead_tpuv4"],
        catalog.calibration["node_overhead_tpu_host"],
    )
    for chip, tdp in (("TPUv4", 192.0), ("MyV4", 250.0)):
        system = evaluate(scendsl.load_text(text.format(name="s", chip=chip)).get("s"))
        assert system.value("accelerator.system_power") == pytest.approx(tdp * (1 + v4.value))
        assert "node_overhead_tpuv4" in system["accelerator.system_power"].origin
        if chip == "TPUv4":
            # PaLM, Appendix B: 378.5 W a chip measured, the PUE apart.
            drawn = (
                system.value("accelerator.system_power")
                * system.value("energy.training_power_fraction")
                * (1 + system.value("energy.network_overhead"))
            )
            assert drawn == pytest.approx(378.5, rel=1e-3)
    v5p = evaluate(scendsl.load_text(text.format(name="p", chip="TPUv5p")).get("p"))
    assert "node_overhead_tpu_host" in v5p["accelerator.system_power"].origin
    assert v4.value > v3.value


def test_gpu_server_node_overhead_reproduces_both_calibration_systems(catalog: Catalog) -> None:
    share = catalog.calibration["node_overhead"].value
    host = catalog.calibration["host_power"].value
    for chip in ("H100", "B200"):  # DGX H100 and DGX B200, the two calibration systems
        figures = catalog.accelerators[chip].figures
        model = (figures["tdp"].value + host) * (1 + share)
        # one share for two systems: each within 1 % (the fit is not exact for either)
        assert model == pytest.approx(figures["system_power"].value, rel=0.01), chip


def test_gpu_server_power_without_a_system_figure_is_its_host_plus_a_share() -> None:
    """DGX A100 (-10 %) and DGX B300 (+10 %) were missed by a node overhead proportional to the
    GPU's power alone: a GPU server's non-GPU power has its host CPUs in it."""
    import scendsl
    from scendsl.model.evaluate import evaluate

    text = (
        "accelerator MyGPU extends MI300X {{\n  tdp 800 W\n}}\n"
        "scenario {name} {{\n  year 2025\n  region US\n  cluster {{\n"
        "    accelerator {chip}\n    count 8\n  }}\n}}\n"
    )
    catalog = load_catalog()
    share = catalog.calibration["node_overhead"].value
    host = catalog.calibration["host_power"].value
    non_gpu_ratio = {}
    for chip in ("A100_40GB", "B300", "MI300X", "MyGPU"):
        scenario = scendsl.load_text(text.format(name="s", chip=chip)).get("s")
        system = evaluate(scenario)["accelerator.system_power"]
        tdp = 800.0 if chip == "MyGPU" else catalog.accelerators[chip].figures["tdp"].value
        assert system.value == pytest.approx((tdp + host) * (1 + share)), chip
        assert "host_power" in system.origin, chip
        non_gpu_ratio[chip] = (system.value - tdp) / tdp
    # The host weighs more on a smaller GPU: a single share could not tell them apart.
    assert non_gpu_ratio["A100_40GB"] > non_gpu_ratio["B300"] + 0.1


def test_a_module_with_its_cpu_on_board_carries_its_own_system_power(catalog: Catalog) -> None:
    """A superchip (its host CPU joined by NVLink-C2C on the module, e.g. GH200, GB200) has the
    CPU in its own power: the GPU server's node overhead (CPUs beside the GPUs) would count the
    CPU twice, so such an entry states its system power."""
    modules = [a for a in catalog.accelerators.values() if "NVLink-C2C" in a.hostlink_kind]
    assert modules
    for acc in modules:
        assert "system_power" in acc.figures, acc.name
        assert acc.figures["system_power"].value >= acc.figures["tdp"].value / 2, acc.name


def test_references_built_of_superchips_are_counted_on_a_superchip(catalog: Catalog) -> None:
    """A national resource whose source counts GH200 superchips is counted on the catalog's
    GH200, not on a GPU alone (until this entry existed they were H200s without their CPU)."""
    superchips = [r for r in catalog.references.values() if "GH200" in r.source]
    assert superchips
    for ref in superchips:
        assert ref.accelerator == "GH200", ref.name
