"""`scendsl schema` carries the catalog's and the model's names as JSON Schema enums (issue #13,
"Discoverability"), and every resolved sample scenario uses only names it lists."""

from __future__ import annotations

import json
import re

import scendsl
from scendsl.cli import main
from scendsl.language.names import catalog_names, iso_region_names
from scendsl.model.claims import metric_index


def _schema(capsys) -> dict:
    assert main(["schema"]) == 0
    return json.loads(capsys.readouterr().out)


def _metric_accepts(schema: dict, name: str) -> bool:
    options = schema["anyOf"]
    return name in options[0]["enum"] or any(re.match(o["pattern"], name) for o in options[1:])


def test_schema_lists_catalog_names_as_enums(capsys):
    document = _schema(capsys)
    for part in ("scenarios", "result"):
        definitions = document[part]["$defs"]
        accelerator = definitions["Cluster"]["properties"]["accelerator"]["anyOf"][0]["enum"]
        assert accelerator == list(catalog_names().accelerators)
        regions = definitions["Scenario"]["properties"]["region"]["enum"]
        assert {"FR", "IN", "US-TX", "AE"} <= set(regions)
        assert set(regions) == set(iso_region_names()) | set(catalog_names().regions)
        sources = definitions["MixShare"]["properties"]["source"]["enum"]
        assert sources == list(catalog_names().energy_sources)
        metric = definitions["Claim"]["properties"]["metric"]
        assert _metric_accepts(metric, "risk.concentration")
        assert _metric_accepts(metric, "divide.my_lab.compute_ratio")
        assert not _metric_accepts(metric, "energy.facilty_power")
    assert _metric_accepts(
        document["result"]["$defs"]["ClaimResult"]["properties"]["metric"], "export.status"
    )
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == document  # deterministic


def test_every_sample_scenario_uses_only_names_the_schema_lists(capsys):
    definitions = _schema(capsys)["scenarios"]["$defs"]
    accelerators = set(definitions["Cluster"]["properties"]["accelerator"]["anyOf"][0]["enum"])
    regions = set(definitions["Scenario"]["properties"]["region"]["enum"])
    sources = set(definitions["MixShare"]["properties"]["source"]["enum"])
    metric = definitions["Claim"]["properties"]["metric"]
    for scenario in scendsl.load("scenarios").scenarios:
        assert scenario.cluster.accelerator in accelerators | set(scenario.accelerators)
        assert scenario.region in regions
        assert {share.source for share in scenario.energy.mix} <= sources
        for claim in scenario.claims:
            assert _metric_accepts(metric, claim.metric), claim.metric
    assert set(metric_index())  # the index the enum is made of is not empty
