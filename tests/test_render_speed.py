"""Work the rendering of a build does once, not per figure (issue 16): the same output, less
repeated work."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate
from scendsl.report.views.figures import DerivationParts, derivation


@pytest.fixture(scope="module")
def colossus2():
    return evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2"))


def test_derivations_sharing_parts_equal_derivations_made_alone(colossus2):
    parts = DerivationParts(colossus2)
    names = [*colossus2.metrics, *colossus2.inputs]
    for name in names:
        assert derivation(colossus2, name, parts) == derivation(colossus2, name), name


def test_derivations_of_one_scenario_write_each_input_entry_once(colossus2):
    # The scenario's ~200 derivations name each input many times: each input's entry (its value
    # formatted, its provenance) is made once and shared, not made again per derivation.
    parts = DerivationParts(colossus2)
    seen: dict[str, dict] = {}
    shared = 0
    for name in colossus2.metrics:
        for child in derivation(colossus2, name, parts)["inputs"]:
            if child["kind"] != "input":
                continue
            if child["name"] in seen:
                assert child is seen[child["name"]]
                shared += 1
            seen[child["name"]] = child
    assert shared > 0


def test_derivation_parts_of_another_result_are_not_used(colossus2):
    other = evaluate(scendsl.load("scenarios/colossus2.scn").get("colossus2_h100"))
    parts = DerivationParts(other)
    name = "cluster.peak_fp8"
    assert derivation(colossus2, name, parts) == derivation(colossus2, name)
    assert derivation(colossus2, name, parts)["value"] != derivation(other, name)["value"]


def test_markdown_converter_does_not_search_installed_packages_for_its_extensions():
    # Extensions named by string are looked up among every installed package's entry points
    # (importlib.metadata): ~20 ms of each process that converts a page.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from scendsl.report.render import markdown_to_html\n"
        "assert markdown_to_html('| a |\\n|---|\\n| b |').startswith('<table>')\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
