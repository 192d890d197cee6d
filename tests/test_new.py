"""`scendsl new`: a starter file that passes `check`, from scratch or from another scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scendsl import check, evaluate
from scendsl.cli import main
from scendsl.language.format import format_text
from scendsl.language.names import catalog_names

ROOT = Path(__file__).resolve().parent.parent
COLOSSUS = ROOT / "scenarios" / "colossus2.scn"


def _only(path: Path):
    (scenario,) = check([str(path)]).scenarios
    return scenario


@pytest.mark.parametrize(
    "accelerator,region",
    [
        (None, None),
        ("GB200", "US"),
        ("MI300X", "DE"),
        ("TPUv5e", "JP"),
        ("H20", "CN"),
        ("Gaudi3", "FR"),
        ("B200", "AE"),
    ],
)
def test_new_starter_checks_clean_and_evaluates(tmp_path, accelerator, region):
    output = tmp_path / "starter.scn"
    args = ["my_cluster", "-o", str(output)]
    args += ["--accelerator", accelerator] if accelerator else []
    args += ["--region", region] if region else []
    assert main(["new", *args]) == 0
    scenario = _only(output)
    assert scenario.name == "my_cluster"
    assert scenario.cluster.accelerator == (accelerator or "H100")
    assert scenario.region == (region or "US")
    result = evaluate(scenario)
    assert result.metrics["cluster.peak"].value > 0
    text = output.read_text(encoding="utf-8")
    assert text == format_text(text), "the starter is in the canonical layout (fmt --check)"
    assert max(len(line) for line in text.splitlines()) <= 100


def test_new_starter_checks_clean_for_every_catalog_accelerator_and_region(tmp_path):
    names = catalog_names()
    for accelerator in names.accelerators:
        output = tmp_path / f"{accelerator}.scn"
        assert main(["new", "probe", "--accelerator", accelerator, "-o", str(output)]) == 0
        assert _only(output).cluster.accelerator == accelerator
    for region in names.regions:
        output = tmp_path / f"{region}.scn"
        assert main(["new", "probe", "--region", region, "-o", str(output)]) == 0
        assert _only(output).region == region


def test_new_writes_name_dot_scn_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "grid_study"]) == 0
    assert _only(tmp_path / "grid_study.scn").name == "grid_study"


def test_new_prints_to_stdout_with_dash(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "shown", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("# shown: a starter scenario")
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_to_overwrite_an_existing_file(tmp_path, capsys):
    output = tmp_path / "mine.scn"
    output.write_text("# my work\n", encoding="utf-8")
    assert main(["new", "mine", "-o", str(output)]) == 1
    assert "exists" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == "# my work\n"


@pytest.mark.parametrize("name", ["9lives", "my-cluster", "a.b", "../x", "", "scenario", "cluster"])
def test_new_rejects_a_name_that_cannot_name_a_scenario(tmp_path, capsys, name):
    assert main(["new", name, "-o", str(tmp_path / "x.scn")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "option,value,hint",
    [
        ("--accelerator", "GB200_NVL72", "did you mean 'GB200'?"),
        ("--accelerator", "h100", "did you mean 'H100'?"),
        ("--region", "us", "write region codes in capitals: 'US' (United States)"),
        ("--region", "Germany", "did you mean 'DE' (Germany)?"),
    ],
)
def test_new_rejects_unknown_catalog_names_with_a_hint(tmp_path, capsys, option, value, hint):
    assert main(["new", "x", option, value, "-o", str(tmp_path / "x.scn")]) == 1
    err = capsys.readouterr().err
    assert f"'{value}'" in err and hint in err
    assert list(tmp_path.iterdir()) == []


def test_new_from_a_name_in_the_output_folder_extends_it(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(COLOSSUS, folder / "colossus2.scn")
    output = folder / "bigger.scn"
    assert (
        main(["new", "bigger", "--from", "colossus2", "--accelerator", "B200", "-o", str(output)])
        == 0
    )
    text = output.read_text(encoding="utf-8")
    assert 'import "colossus2.scn"' in text and "scenario bigger extends colossus2 {" in text
    scenario = next(s for s in check([str(output)]).scenarios if s.name == "bigger")
    base = next(s for s in check([str(folder)]).scenarios if s.name == "colossus2")
    assert scenario.cluster.accelerator == "B200"
    assert scenario.cluster.count == base.cluster.count and scenario.energy.mix == base.energy.mix
    assert scenario.claims == ()  # a source's claims were made about the base
    check([str(folder)])  # the whole folder, both files together, still checks


def test_new_from_a_file_elsewhere_inlines_its_values(tmp_path):
    output = tmp_path / "mine.scn"
    assert (
        main(["new", "mine", "--from", f"{COLOSSUS}:colossus2_uncertain", "-o", str(output)]) == 0
    )
    text = output.read_text(encoding="utf-8")
    assert "extends" not in text and "import" not in text  # outside the folder: a copy
    copy = _only(output)
    base = next(s for s in check([str(COLOSSUS)]).scenarios if s.name == "colossus2_uncertain")
    for field in ("year", "region", "operator", "cluster", "energy", "workload", "market"):
        assert getattr(copy, field) == getattr(base, field), field
    assert copy.title == "mine"
    assert evaluate(copy).metrics["energy.facility_power"].value == pytest.approx(
        evaluate(base).metrics["energy.facility_power"].value
    )


def test_new_from_a_file_takes_its_first_scenario(tmp_path):
    output = tmp_path / "first.scn"
    assert main(["new", "first", "--from", str(COLOSSUS), "-o", str(output)]) == 0
    assert _only(output).cluster.accelerator == "GB200"


def test_new_inline_copies_a_custom_accelerator_and_its_parents(tmp_path):
    source = tmp_path / "lab" / "custom.scn"
    source.parent.mkdir()
    source.write_text(
        """accelerator BASE_CHIP extends H100 {
  tdp 650 W
}

accelerator NEW_CHIP extends BASE_CHIP {
  hbm 141 GB
}

scenario lab {
  year 2026
  region US
  cluster {
    accelerator NEW_CHIP
    count 2k
    mfu 30% to 45%
  }
  energy.pue 1.2 ± 5%
  correlate cluster.mfu, energy.pue 0.5
}
""",
        encoding="utf-8",
    )
    output = tmp_path / "elsewhere" / "copy.scn"
    output.parent.mkdir()
    assert main(["new", "copy", "--from", str(source), "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert text.index("accelerator BASE_CHIP") < text.index("accelerator NEW_CHIP")
    copy = _only(output)
    assert copy.cluster.accelerator == "NEW_CHIP"
    assert copy.accelerators["NEW_CHIP"].figures["hbm"] == pytest.approx(141e9)
    assert copy.accelerators["BASE_CHIP"].figures["tdp"] == pytest.approx(650)
    assert [(c.a, c.b, c.rho) for c in copy.correlations] == [("cluster.mfu", "energy.pue", 0.5)]


def test_new_inline_beside_the_base_imports_its_custom_accelerator(tmp_path):
    source = tmp_path / "custom.scn"
    source.write_text(
        "accelerator CHIP extends H100 {\n  tdp 650 W\n}\n\nscenario lab {\n"
        "  year 2026\n  region US\n  cluster.accelerator CHIP\n"
        "  cluster.count 8\n}\n",
        encoding="utf-8",
    )
    output = tmp_path / "copy.scn"
    assert main(["new", "copy", "--from", "lab", "--inline", "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert 'import "custom.scn"' in text and "accelerator CHIP extends" not in text
    check([str(tmp_path)])  # defined once: the folder checks with both files


def test_new_from_reports_the_missing_and_the_taken(tmp_path, capsys):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(COLOSSUS, folder / "colossus2.scn")
    assert main(["new", "x", "--from", "colosus2", "-o", str(folder / "x.scn")]) == 1
    assert "did you mean 'colossus2'?" in capsys.readouterr().err
    assert main(["new", "colossus2_h100", "--from", "colossus2", "-o", str(folder / "x.scn")]) == 1
    assert "'colossus2_h100' is already a scenario" in capsys.readouterr().err
    assert (
        main(["new", "x", "--from", str(tmp_path / "none.scn"), "-o", str(folder / "x.scn")]) == 1
    )
    assert "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["colossus2.scn"]


def test_new_from_a_broken_file_reports_its_located_errors(tmp_path, capsys):
    broken = tmp_path / "broken.scn"
    broken.write_text(
        "scenario b {\n  year 2026\n  region US\n  cluster.acelerator H100\n}\n", encoding="utf-8"
    )
    assert main(["new", "x", "--from", str(broken), "-o", str(tmp_path / "x.scn")]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:4:3: error: unknown field" in err
    assert not (tmp_path / "x.scn").exists()
