"""Accelerators made outside US reach (Huawei Ascend), whose export controls reach a chip
(accelerators.toml `subject_to`, an accelerator block's `subject_to`), the status
`outside_us_rules`, and the BIS guidance of 13 May 2025 on General Prohibition 10."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import scendsl
from scendsl.catalog import CatalogError, load_catalog
from scendsl.catalog.rules import _export_guidance
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.lsp.completion import complete
from scendsl.lsp.positions import Pos
from scendsl.model.domains import export_rules
from scendsl.model.domains.export_rules import decision_date, status_for
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import scenario_warnings
from tests.factories import scenario_text

CATALOG = load_catalog()

#: A new accelerator of 8,000 TPP (500 TFLOPS BF16 x 16), a 3A090.a chip by TPP alone.
NEW_CHIP = """
accelerator Kylin {{
  bf16_dense 500 TFLOPS
  hbm 64 GB
  hbm_bandwidth 2 TB/s
  scaleup_bandwidth 400 GB/s
  hostlink_bandwidth 64 GB/s
  tdp 500 W
{extra}}}
"""


def _result(accelerator="Ascend910C", year=2025, region="CN", blocks=""):
    text = scenario_text("s", year=year, region=region, accelerator=accelerator, count="1k")
    return evaluate(scendsl.load_text(text + blocks).get("s"))


# ============================================================================ the catalog
@pytest.mark.parametrize("name", ["Ascend910B", "Ascend910C"])
def test_the_ascend_910b_and_910c_are_catalog_accelerators_with_sourced_figures(name):
    entry = CATALOG.accelerators[name]
    assert entry.vendor == "Huawei"
    for figure in (*entry.figures.values(), *entry.price.values()):
        assert figure.source.strip() and figure.confidence
    assert entry.subject_to.codes == ("CN",) and not entry.subject_to.assumed
    assert "General Prohibition 10" in (entry.subject_to.note or "")


def test_the_ascend_910c_is_two_910b_class_dies_above_the_3a090_threshold():
    b, c = (CATALOG.accelerators[n].figures for n in ("Ascend910B", "Ascend910C"))
    assert c["bf16_dense"].value == pytest.approx(781e12)
    assert c["hbm"].value == pytest.approx(128e9) and b["hbm"].value == pytest.approx(64e9)
    assert c["scaleup_domain"].value == 384
    # TPP 781 x 16 = 12,496 and 354 x 16 = 5,664: both 3A090.a by TPP (>= 4,800).
    assert _result().value("export.tpp") == pytest.approx(12496)
    assert _result("Ascend910B").value("export.tpp") == pytest.approx(5664)


def test_every_catalog_accelerator_says_with_a_source_whose_export_controls_reach_it():
    for name, entry in CATALOG.accelerators.items():
        assert not entry.subject_to.assumed, f"{name} has no subject_to"
        assert entry.subject_to.source.strip(), name
    us_vendors = {"NVIDIA", "AMD", "Intel", "Google", "AWS"}
    for entry in CATALOG.accelerators.values():
        assert entry.subject_to.reached_by_us_rules == (entry.vendor in us_vendors), entry.name


def test_list_accelerators_shows_the_ascend_chips(capsys):
    assert main(["list", "accelerators", "--format", "json"]) == 0
    names = {row["id"] for row in json.loads(capsys.readouterr().out)["rows"]}
    assert {"Ascend910B", "Ascend910C"} <= names


def test_a_subject_to_that_is_not_a_list_of_country_codes_is_a_catalog_error():
    from scendsl.catalog.entries import _accelerators

    raw = {
        key: value
        for key, value in _raw_entry("Ascend910C").items()
        if key not in ("price", "subject_to")
    }
    raw["subject_to"] = {"value": ["CN-GD"], "source": "s", "confidence": "C"}
    with pytest.raises(CatalogError, match="subject_to: value must be a list of ISO 3166-1"):
        _accelerators({"X": raw}, {})


def test_an_entry_without_subject_to_takes_its_vendors_and_an_unknown_vendor_is_refused():
    from scendsl.catalog.entries import _accelerators, _vendors

    raw = {k: v for k, v in _raw_entry("H100").items() if k != "price"}
    assert "subject_to" not in raw  # written once, for the vendor (vendors.toml)
    vendors = _vendors(
        {"NVIDIA": {"subject_to": {"value": ["US"], "source": "s", "confidence": "B"}}}
    )
    assert _accelerators({"X": raw}, vendors)["X"].subject_to.codes == ("US",)
    with pytest.raises(CatalogError, match=r"vendors\.toml has no vendor 'NVIDIA'"):
        _accelerators({"X": raw}, {})


def _raw_entry(name):
    import tomllib
    from importlib import resources

    text = (resources.files("scendsl.catalog") / "accelerators.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)[name]


# ============================================================================ the status
def test_a_chinese_chip_in_china_gets_no_us_licence_status():
    # Without subject_to the 910C (TPP 12,496) got the D:5 presumption of denial of the US rules.
    result = _result("Ascend910C", year=2025, region="CN")
    assert result.value("export.status") == "outside_us_rules"
    assert result.value("export.rule").startswith(
        "none: the chip is subject to the export controls of CN, not to the US rules"
    )
    assert "not to the US licence rules" in result.node("export.status").note
    assert result.value("accelerator.subject_to") == "CN"
    # The same cluster of H100 is still decided by the US rules.
    assert _result("H100", year=2025, region="CN").value("export.status") == (
        "presumption_of_denial"
    )


@pytest.mark.parametrize("region", ["CN", "US", "RU", "MY"])
def test_no_destination_gives_a_non_us_chip_a_us_status(region):
    for year in (2023, 2025, 2026):
        decision = status_for(CATALOG, "Ascend910B", region, decision_date(year))
        assert decision.status == export_rules.OUTSIDE_US_RULES
        assert decision.rule is None and decision.subject_to == ("CN",)


def test_outside_us_rules_is_a_value_of_the_status_for_claims_and_json(tmp_path, capsys):
    text = scenario_text(
        "s",
        year=2025,
        region="CN",
        accelerator="Ascend910C",
        count="1k",
        body='  expect export.status == outside_us_rules "Huawei\'s own chip"\n'
        '  expect export.status != allowed "no US status at all"\n',
    )
    path = tmp_path / "a.scn"
    path.write_text(text, encoding="utf-8")
    result = evaluate(scendsl.load_file(path).scenarios[0])
    assert [claim.holds for claim in result.claims] == [True, True]
    capsys.readouterr()
    assert main(["eval", str(path), "--format", "json"]) == 0
    (scenario,) = json.loads(capsys.readouterr().out)["scenarios"]
    assert '"outside_us_rules"' in json.dumps(scenario)


def test_a_misspelt_outside_us_rules_claim_is_a_located_error_with_a_hint(tmp_path):
    text = scenario_text("s", body="  expect export.status == outside_us_rule\n")
    path = tmp_path / "a.scn"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.check([path])
    (rendered,) = [d.render() for d in caught.value.diagnostics]
    assert "did you mean 'outside_us_rules'?" in rendered


def test_diff_reports_the_status_flip_when_a_block_moves_the_chip_out_of_us_reach(tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, extra in ((old, ""), (new, "  subject_to CN\n")):
        folder.mkdir()
        text = scenario_text("s", year=2025, region="CN", accelerator="Kylin", count="1k")
        (folder / "s.scn").write_text(text + NEW_CHIP.format(extra=extra), encoding="utf-8")
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["scenarios"]
    flips = {(r["key"], r["old"], r["new"]) for r in entry["ratings"]}
    assert ("export.status", "presumption_of_denial", "outside_us_rules") in flips


# ============================================================================ the block field
def test_a_new_accelerator_without_subject_to_is_taken_as_a_us_chip_with_a_warning(tmp_path):
    text = scenario_text("s", year=2025, region="CN", accelerator="Kylin", count="1k")
    path = tmp_path / "k.scn"
    path.write_text(text + NEW_CHIP.format(extra=""), encoding="utf-8")
    result = evaluate(scendsl.load_file(path).scenarios[0])
    assert result.value("export.status") == "presumption_of_denial"
    assert result.value("accelerator.subject_to_assumed") is True
    (warning,) = [w for w in scenario_warnings(result) if w.id == "export-jurisdiction-assumed"]
    assert warning.span.line == 5  # the scenario's `accelerator Kylin` line
    assert "does not say whose export controls reach it" in warning.message


def test_a_new_accelerator_that_says_subject_to_gets_no_warning_and_its_status():
    for extra, status in (
        ("  subject_to US\n", "presumption_of_denial"),
        ("  subject_to CN\n", "outside_us_rules"),
    ):
        result = _result("Kylin", blocks=NEW_CHIP.format(extra=extra))
        assert result.value("export.status") == status
        assert result.value("accelerator.subject_to_assumed") is False
        assert "export-jurisdiction-assumed" not in {w.id for w in scenario_warnings(result)}


def test_a_block_extending_a_catalog_chip_keeps_its_jurisdiction_unless_it_says_otherwise():
    block = "accelerator Ascend910D extends Ascend910C {\n  bf16_dense 1 PFLOPS\n}\n"
    result = _result("Ascend910D", blocks=block)
    assert result.value("export.status") == "outside_us_rules"
    assert result.value("accelerator.subject_to_assumed") is False
    # An H100 relabelled as made outside US reach is decided as such, and says where.
    relabelled = "accelerator H100 extends H100 {\n  subject_to CN\n}\n"
    assert _result("H100", blocks=relabelled).value("export.status") == "outside_us_rules"


def test_a_subdivision_as_subject_to_stands_for_its_country():
    quoted = NEW_CHIP.format(extra='  subject_to "US-TX"\n')
    result = _result("Kylin", blocks=quoted)
    assert result.value("accelerator.subject_to") == "US"
    assert result.value("export.status") == "presumption_of_denial"
    assert _result("Kylin", blocks=quoted.replace("US-TX", "UA-43")).value("export.status") == (
        "outside_us_rules"
    )


# ============================================================================ the guidance
def test_the_gp10_guidance_is_dated_data_with_its_citation():
    (guidance,) = CATALOG.export_guidance
    assert guidance.issued == dt.date(2025, 5, 13)
    assert "General Prohibition 10" in guidance.citation and "736.2(b)(10)" in guidance.citation
    assert set(guidance.names) == {"Ascend910B", "Ascend910C"}
    assert guidance.confidence == "B"


@pytest.mark.parametrize("region", ["CN", "MY", "US", "AE"])
def test_an_ascend_anywhere_is_flagged_by_the_bis_guidance_from_2025(region):
    result = _result("Ascend910C", year=2025, region=region)
    assert result.value("export.named_in_guidance") is True
    assert result.value("export.guidance").startswith("gp10_prc_ics_2025: BIS guidance of May 13")
    node = result.node("export.guidance")
    assert any("Freshfields" in source for source in node.sources) and node.confidence == "B"
    assert "General Prohibition 10" in node.note
    assert result.value("risk.export_control") == "high"


def test_the_guidance_does_not_reach_back_before_it_was_issued_nor_a_us_chip():
    assert _result("Ascend910B", year=2024).value("export.named_in_guidance") is False
    assert _result("Ascend910B", year=2024).value("export.guidance") == "none"
    # A 2024 Ascend in China: outside the US rules and not yet named: a low export risk.
    assert _result("Ascend910B", year=2024).value("risk.export_control") == "low"
    assert _result("H100", year=2025, region="CN").value("export.named_in_guidance") is False


def test_the_guidance_covers_an_unnamed_chinese_chip_in_a_3a090_class():
    # Kylin (TPP 8,000) is a 3A090.a chip; said to be Chinese, it is covered by origin.
    chinese = _result("Kylin", blocks=NEW_CHIP.format(extra="  subject_to CN\n"))
    assert chinese.value("export.named_in_guidance") is True
    # Below the 3A090 thresholds (TPP 1,600 < 2,400) it is not.
    small = NEW_CHIP.format(extra="  subject_to CN\n").replace("500 TFLOPS", "100 TFLOPS")
    assert _result("Kylin", blocks=small).value("export.named_in_guidance") is False


def test_list_rules_shows_the_guidance_with_its_date_and_citation(capsys):
    assert main(["list", "rules", "--format", "json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["rows"] if r["kind"] == "guidance"]
    assert [(r["id"], r["when"]) for r in rows] == [("gp10_prc_ics_2025", "from 2025-05-13")]
    assert rows[0]["outcome"] == ["Ascend910B", "Ascend910C"]
    assert "736.2(b)(10)" in rows[0]["source"]


def test_guidance_naming_a_chip_the_catalog_lacks_is_a_catalog_error():
    raw = {
        "guidance": [
            {
                "id": "g",
                "title": "t",
                "issued": dt.date(2025, 5, 13),
                "citation": "c",
                "source": "s",
                "confidence": "B",
                "effect": "e",
                "names": ["Ascend910X"],
            }
        ]
    }
    with pytest.raises(CatalogError, match="'Ascend910X' is not an accelerator"):
        _export_guidance(raw, CATALOG.accelerators)


# ============================================================================ the editor
def test_the_editor_offers_the_ascend_chips_and_subject_to_with_country_codes():
    text = scenario_text("s", accelerator="A")
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip() == "accelerator A")
    offered = {c.label for c in complete(None, text, Pos(row, len(lines[row]) - 1))}
    assert {"Ascend910B", "Ascend910C"} <= offered
    block = "accelerator K extends Ascend910C {\n  sub\n}\n"
    fields = {c.label for c in complete(None, block, Pos(1, 2))}
    assert "subject_to" in fields
    value = "accelerator K extends Ascend910C {\n  subject_to \n}\n"
    codes = {c.label for c in complete(None, value, Pos(1, len("  subject_to ")))}
    assert {"CN", "US"} <= codes


def test_a_briefing_names_a_flag_that_drives_a_high_risk_without_printing_yes(tmp_path):
    from scendsl.app.build import render_files

    (tmp_path / "ascend.scn").write_text(
        scenario_text("ascend", accelerator="Ascend910C", region="CN", year=2025, count=384),
        encoding="utf-8",
    )
    page = render_files([str(tmp_path / "ascend.scn")], samples=0)["ascend.md"].decode()
    risks = next(line for line in page.splitlines() if "Risks rated high" in line)
    assert "export control (named in guidance)" in risks and " yes" not in risks


def test_a_chip_outside_us_reach_is_named_in_its_own_note_when_another_has_its_figures():
    # The decisions are memoised by chip figures: the name in the note must be the scenario's.
    text = (
        scenario_text("catalog_chip", accelerator="Ascend910C", region="CN", year=2025)
        + "accelerator MyAscend extends Ascend910C {\n}\n"
        + scenario_text("own_chip", accelerator="MyAscend", region="CN", year=2025)
    )
    scenarios = scendsl.load_text(text)
    first = evaluate(scenarios.get("catalog_chip")).node("export.status").note
    second = evaluate(scenarios.get("own_chip")).node("export.status").note
    assert "Ascend910C is subject to" in first
    assert "MyAscend is subject to" in second


def test_outside_us_rules_reads_with_the_countrys_code_in_capitals(tmp_path):
    """A Seoul ministry's sweep over a Korean chip read "Export status outside us rules"."""
    from scendsl.report.numbers import format_value

    assert format_value("outside_us_rules", None, "text") == "outside US rules"
    assert format_value("licence_required", None, "text") == "licence required"
    assert format_value("status of us_tx rules", None, "text") == "status of us tx rules"


_SHORTLIST = "sweep shortlist from tender {\n  cluster.accelerator [H100, H200, Ascend910B, B200, MI300X]\n}\n"


def _shortlist_page(tmp_path) -> str:
    from scendsl.app.build import render_files

    (tmp_path / "tender.scn").write_text(
        scenario_text("tender", region="CO", count=2048) + _SHORTLIST, encoding="utf-8"
    )
    return render_files([str(tmp_path / "tender.scn")], samples=0)["tender.md"].decode()


def _sweep_table(page: str) -> list[str]:
    section = page.split("## Sweep shortlist", 1)[1]
    return [line for line in section.splitlines() if line.startswith("| ")]


def test_a_sweep_over_chips_shows_which_us_guidance_names(tmp_path):
    """A Bogotá procurement office's shortlist read "outside US rules" for the Ascend 910B,
    with nothing of the BIS guidance that warns against using it anywhere."""
    header, *rows = _sweep_table(_shortlist_page(tmp_path))
    assert "Named in US guidance" in header
    ascend = next(row for row in rows if row.startswith("| Ascend910B"))
    assert ascend.rstrip(" |").endswith("yes")
    h100 = next(row for row in rows if row.startswith("| H100"))
    assert h100.rstrip(" |").endswith("no")


def test_a_sampled_sweep_keeps_the_guidance_column_when_only_a_hidden_variant_differs(
    tmp_path, monkeypatch
):
    from scendsl.app import build

    # Two rows of five: H100 and MI300X shown, the Ascend between them left out.
    monkeypatch.setattr(build, "MAX_SWEEP_VARIANTS", 2)
    monkeypatch.setattr(build, "SWEEP_SAMPLE_ROWS", 2)
    header, *_ = _sweep_table(_shortlist_page(tmp_path))
    assert "Named in US guidance" in header
