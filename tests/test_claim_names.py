"""A claim on a metric whose values are names of a catalog table (`Node.names_of`: an
accelerator, a region, a reference) that names none of them could never hold: `check` says so
where the name is written, with the name it probably meant. The names are read from the
catalog, never written here."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScendslError
from scendsl.model.claims import metric_index
from tests.factories import scenario_text


def _claim_error(claim: str, extra: str = "") -> ScendslError:
    text = scenario_text("s", body=f"  {claim}\n") + extra
    with pytest.raises(ScendslError) as raised:
        _check(text)
    return raised.value


def _check(text: str) -> None:
    from scendsl.model.claims import validate_claims

    validate_claims(scendsl.load_text(text))


def _misspelt(name: str) -> str:
    return name[:-1] if len(name) > 3 else name + "x"


def _a_reference() -> str:
    return sorted(load_catalog().references)[0]


def _an_accelerator() -> str:
    return sorted(load_catalog().accelerators)[0]


@pytest.mark.parametrize(
    ("metric", "right", "kind"),
    [
        ("divide.public_resource", _a_reference, "reference"),
        ("cluster.accelerator", _an_accelerator, "accelerator"),
        ("energy.household_country", lambda: "FR", "region"),
        ("scenario.region", lambda: "DE", "region"),
    ],
)
def test_a_name_that_is_none_of_its_tables_is_refused_where_it_is_written(metric, right, kind):
    name = right()
    wrong = _misspelt(name) + ("Q" if kind == "region" else "")
    claim = f'expect {metric} == {wrong} "q"'
    error = _claim_error(claim)
    (diagnostic,) = error.diagnostics
    assert f"'{wrong}' is no {kind}" in diagnostic.message
    line = scenario_text("s", body=f"  {claim}\n").splitlines().index(f"  {claim}") + 1
    assert (diagnostic.span.line, diagnostic.span.col) == (line, 3 + claim.index(wrong))
    _check(scenario_text("s", body=f'  expect {metric} == {name} "q"\n'))  # the right name


def test_a_misspelt_reference_is_told_the_one_it_meant():
    name = _a_reference()
    (diagnostic,) = _claim_error(
        f'expect divide.public_resource == {_misspelt(name)} "q"'
    ).diagnostics
    assert f"did you mean '{name}'" in (diagnostic.hint or "")


def test_the_files_own_blocks_are_names_too():
    own = (
        '\nreference local_pool {\n  title "A pool"\n  accelerator H100\n  count 200\n'
        '  kind national_resource\n  region "KE"\n}\n'
        "\naccelerator MyChip extends H100 {\n  hbm 100 GB\n}\n"
    )
    body = (
        '  expect divide.public_resource == local_pool "q"\n'
        '  expect cluster.accelerator == MyChip "q"\n'
    )
    _check(scenario_text("s", body=body) + own)


def test_every_metric_that_names_a_catalog_table_is_in_the_index():
    """The index `check` reads says which metrics take names: every text input whose value is
    an accelerator, region or reference."""
    named = {name: info.names_of for name, info in metric_index().items() if info.names_of}
    assert named["divide.public_resource"] == "references"
    assert named["cluster.accelerator"] == "accelerators"
    assert named["reference.{ref}.accelerator"] == "accelerators"
    assert named["scenario.region"] == "regions"


@pytest.mark.parametrize(
    ("metric", "table"),
    [
        ("divide.public_resource", "references"),
        ("cluster.accelerator", "accelerators"),
        ("scenario.region", "regions"),
        ("reference.{ref}.accelerator", "accelerators"),
    ],
)
def test_completion_after_the_comparison_offers_the_names_check_accepts(metric, table):
    """The editor offers, after `expect METRIC == `, the names the checker accepts there: the
    catalog's and the file's own blocks."""
    from scendsl.lsp.completion import complete
    from scendsl.lsp.positions import Pos

    metric = metric.replace("{ref}", _a_reference())
    own = (
        '\nreference local_pool {\n  title "A pool"\n  accelerator H100\n  count 200\n'
        '  kind national_resource\n  region "KE"\n}\n'
        "\naccelerator MyChip extends H100 {\n  hbm 100 GB\n}\n"
    )
    claim = f"  expect {metric} == "
    text = scenario_text("s", body=claim + "\n") + own
    row = text.splitlines().index(claim)
    offered = {c.label for c in complete(None, text, Pos(row, len(claim)))}
    expected = set(getattr(load_catalog(), table))
    assert expected <= offered
    assert offered - expected <= {"local_pool", "MyChip"}  # with an analysis, the file's own
