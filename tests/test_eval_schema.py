"""`scendsl schema` describes the `eval --format json` document (issue 14): versioned, and real
output (scenarios with ranges, claims, sweeps) conforms to it. Deterministic."""

from __future__ import annotations

import json
from typing import Any

from scendsl.cli import main
from scendsl.report.export import SCHEMA_VERSION

SOURCE = """
scenario plain {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  workload.parameters 70B
  workload.tokens 15T
  expect energy.facility_power > 1 MW "a claim"
  expect export.status == allowed "a category"
  expect not performance.paths_disagree "a flag"
}
scenario ranged {
  year 2027
  region TV
  cluster.accelerator B200
  cluster.count 2k to 4k
  expect cluster.count >= 3k "half"
}
sweep grow from plain {
  cluster.count [1000, 2000]
}
"""

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def conforms(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> None:
    """A small JSON Schema checker for the keywords eval_schema uses (no dependency needed)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return conforms(value, root["$defs"][name], root, where)
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        matched = [
            k
            for k in kinds
            if isinstance(value, _TYPES[k])
            and not (k in ("number", "integer") and isinstance(value, bool))
        ]
        assert matched, f"{where}: {type(value).__name__} is not {kinds}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            assert key in value, f"{where}: lacks {key}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                conforms(item, properties[key], root, f"{where}.{key}")
            else:
                assert extra is not False, f"{where}: unexpected {key}"
                if isinstance(extra, dict):
                    conforms(item, extra, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            conforms(item, schema["items"], root, f"{where}[{index}]")
    return None


def test_eval_json_conforms_to_the_schema_scendsl_schema_prints(tmp_path, capsys):
    path = tmp_path / "s.scn"
    path.write_text(SOURCE)
    assert main(["schema"]) == 0
    first = capsys.readouterr().out
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == first  # same bytes every time
    schema = json.loads(first)["eval"]
    assert main(["eval", str(path), "--format", "json", "--sweeps", "--samples", "200"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == SCHEMA_VERSION
    assert document["sweeps"] and "uncertainty" in document["scenarios"][1]
    # Tuvalu has no grid figures: stand-in warnings; category and flag claims are kept as such.
    assert document["scenarios"][1]["warnings"]
    assert {type(c["expected"]) for c in document["scenarios"][0]["claims"]} == {float, str, bool}
    conforms(document, schema, schema)


def test_schema_checker_catches_a_missing_field():
    from scendsl.report.export import eval_schema

    schema = eval_schema()
    try:
        conforms({"version": SCHEMA_VERSION, "scenarios": [{"name": "x"}]}, schema, schema)
    except AssertionError as error:
        assert "lacks" in str(error)
    else:
        raise AssertionError("a scenario without its fields passed")


def _conforming_document(tmp_path, capsys, text: str) -> dict[str, Any]:
    """`eval --format json` of `text`, checked against the schema `scendsl schema` prints."""
    path = tmp_path / "s.scn"
    path.write_text(text, encoding="utf-8")
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)["eval"]
    assert main(["eval", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    conforms(document, schema, schema)
    return document


def test_a_scenario_priced_in_another_currency_names_it_in_the_json(tmp_path, capsys):
    """A dashboard for a Seoul ministry showed the dollar figures of the JSON while the briefing
    showed won beside them: which currency, at which rate, was the briefing's rule alone."""
    won, dollars = _conforming_document(
        tmp_path,
        capsys,
        "scenario won {\n  year 2024\n  region KR\n  cluster {\n    accelerator H100\n"
        "    count 8\n  }\n  market.rental_price 3000 KRW/hour\n}\n"
        "scenario dollars {\n  year 2024\n  region KR\n  cluster {\n    accelerator H100\n"
        "    count 8\n  }\n}\n",
    )["scenarios"]
    assert "currency" not in dollars
    rental = won["inputs"]["market.rental_price"]
    assert won["currency"] == {
        "code": "KRW",
        "per_usd": rental["written"]["per_usd"],
        "rate_year": rental["written"]["rate_year"],
        "input": "market.rental_price",
    }


def test_an_infinite_figure_is_told_apart_from_an_na_one(tmp_path, capsys):
    """A dashboard showed "n/a" where the briefing read ∞ (a run that never finishes): JSON
    has no infinity, and both were null."""
    document = _conforming_document(
        tmp_path,
        capsys,
        "scenario s {\n  year 2026\n  region US\n  cluster {\n    accelerator H100\n"
        "    count 100k\n    interruption_rate 5\n  }\n  workload {\n    parameters 70B\n"
        "    tokens 2T\n  }\n}\n",
    )
    metrics = document["scenarios"][0]["metrics"]
    assert metrics["reliability.goodput"]["value"] == 0
    never = metrics["reliability.training_time"]
    assert never["value"] is None and never["infinite"] == 1
    assert "infinite" not in metrics["workload.training_flops"]  # a number stays as it is
    assert not any("infinite" in m for m in metrics.values() if m["value"] is not None)
