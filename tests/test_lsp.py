"""The language server end to end: a real LSP client talks to `python -m scendsl lsp` over stdio.

One server serves the whole module (starting one costs about a second); each test opens its own
files in a workspace folder made for the module.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types as T  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

import factories  # noqa: E402
from scendsl.errors import ScenarioError  # noqa: E402
from scendsl.language.resolve import load_paths  # noqa: E402

BASE = """\
scenario base {
  title  "Base"
  year   2026
  region US
  cluster {
    accelerator GB200
    count       100k
    mfu         40%
  }
  energy {
    pue 1.25
  }
  workload {
    parameters 2T
    tokens     40T
    precision  fp8
  }
  expect energy.facility_power >= 500 MW "over 500 MW"
  expect cluster.count >= 100k "over 100,000 units"
}
"""

CHILD = """\
import "base.scn"

scenario child extends base {
  year 2025
}
"""

ROOT: dict[str, Path] = {}
CLIENT: list = []


def client_state() -> dict[str, list[str]]:
    """The diagnostics the client holds, for failure messages."""
    return {uri: [d.message for d in ds] for uri, ds in CLIENT[0].diagnostics.items()}


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "scendsl", "lsp"]),
)
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    ROOT["path"] = root
    CLIENT[:] = [lsp_client]
    (root / "base.scn").write_text(BASE, encoding="utf-8")
    (root / "child.scn").write_text(CHILD, encoding="utf-8")
    await lsp_client.initialize_session(
        T.InitializeParams(
            capabilities=T.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[T.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, name: str, text: str, version: int = 1) -> str:
    path = ROOT["path"] / name
    uri = path.as_uri()
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(
            T.TextDocumentItem(uri=uri, language_id="scendsl", version=version, text=text)
        )
    )
    return uri


async def _diagnostics(client: LanguageClient, uri: str) -> list[T.Diagnostic]:
    """Wait for the server's first diagnostics for `uri`."""
    for _ in range(200):
        if uri in client.diagnostics:
            return client.diagnostics[uri]
        await asyncio.sleep(0.025)
    raise AssertionError(f"no diagnostics; the server said: {client.error}")


def _errors(diagnostics: list[T.Diagnostic]) -> list[T.Diagnostic]:
    """The errors among diagnostics (the sample scenarios also get warnings: stand-in data)."""
    return [d for d in diagnostics if d.severity == T.DiagnosticSeverity.Error]


async def _until(condition, seconds: float = 10.0) -> None:
    """Poll until the diagnostics the client holds satisfy `condition`."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the server did not publish the expected diagnostics: {client_state()}")


def _position(text: str, needle: str, offset: int = 0) -> T.Position:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return T.Position(line, index - (text.rfind("\n", 0, index) + 1))


@pytest.mark.asyncio(loop_scope="module")
async def test_typo_gets_the_cli_message_and_span(client: LanguageClient):
    text = BASE.replace("scenario base", "scenario typo").replace(
        "accelerator GB200", "accelerator GB2000"
    )
    (ROOT["path"] / "typo.scn").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as cli:
        load_paths([str(ROOT["path"] / "typo.scn")])
    expected = cli.value.diagnostics[0]
    uri = _open(client, "typo.scn", text)
    diagnostics = await _diagnostics(client, uri)
    assert len(diagnostics) == 1  # an error stops the stages: no warnings either
    got = diagnostics[0]
    assert got.message.splitlines()[0] == expected.message == "unknown accelerator 'GB2000'"
    assert expected.hint and expected.hint in got.message  # the CLI's hint, as the CLI gives it
    assert got.severity == T.DiagnosticSeverity.Error
    assert (got.range.start.line, got.range.start.character) == (
        expected.span.line - 1,
        expected.span.col - 1,
    )
    assert got.range.end.character == expected.span.end_col - 1
    # Fixing the typo as you type clears it.
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=text.replace("GB2000", "GB200"))],
        )
    )
    await _until(lambda: client.diagnostics[uri] and not _errors(client.diagnostics[uri]))


@pytest.mark.asyncio(loop_scope="module")
async def test_unsaved_import_breaks_its_importer(client: LanguageClient):
    child_uri = _open(client, "child.scn", CHILD)
    assert not _errors(await _diagnostics(client, child_uri))
    # The imported file, open and edited but not saved, renames its scenario: the importer's
    # `extends` now names nothing.
    base_uri = _open(client, "base.scn", BASE.replace("scenario base", "scenario based"))
    await _until(lambda: _errors(client.diagnostics.get(child_uri, [])))
    messages = [d.message for d in _errors(client.diagnostics[child_uri])]
    assert messages and messages[0].startswith(
        "'child' extends 'base', which is not a defined scenario"
    )
    client.text_document_did_close(T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(base_uri)))


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_count_shows_unit_and_bounds(client: LanguageClient):
    uri = _open(client, "hover.scn", BASE)
    await _diagnostics(client, uri)
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(BASE, "count       100k", 1))
    )
    text = result.contents.value
    assert "cluster.count" in text and "number of accelerators" in text
    assert "unit:" in text and "bounds: ≥ 1" in text
    assert "100,000" in text  # its value in this scenario
    region = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(BASE, "region US", len("region U")))
    )
    assert (
        "United States" in region.contents.value and "grid intensity 2024" in region.contents.value
    )
    assert (
        "Our World in Data" in region.contents.value
        and "industrial electricity price" in region.contents.value
    )
    value = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(BASE, "pue 1.25", len("pue 1")))
    )
    assert "SI: `1.25`" in value.contents.value and "hover.scn:11" in value.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_expect_shows_current_value_and_verdict(client: LanguageClient):
    uri = _open(client, "claims.scn", BASE)
    await _diagnostics(client, uri)
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(BASE, "energy.facility_power >=", 3))
    )
    text = result.contents.value
    assert "energy.facility_power" in text
    assert "the claim FAILS" in text and " MW" in text
    hints = await client.text_document_inlay_hint_async(
        T.InlayHintParams(
            T.TextDocumentIdentifier(uri), T.Range(T.Position(0, 0), T.Position(30, 0))
        )
    )
    labels = [h.label for h in hints]
    assert any("= 100,000 (holds)" in label for label in labels)
    assert any("peak" in label and "facility" in label for label in labels)
    # With ranges, the hover gives the claim's 90% range and how often it holds.
    ranged = BASE.replace("mfu         40%", "mfu         30% to 45%").replace(
        "pue 1.25", "pue 1.25 ± 10%"
    )
    uri = _open(client, "ranged.scn", ranged)
    await _diagnostics(client, uri)
    result = await client.text_document_hover_async(
        T.HoverParams(
            T.TextDocumentIdentifier(uri), _position(ranged, "energy.facility_power >=", 3)
        )
    )
    assert "90% range (P5–P95):" in result.contents.value
    assert "holds in 0% of" in result.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_after_accelerator_lists_gb200(client: LanguageClient):
    text = BASE.replace("accelerator GB200", "accelerator ")
    uri = _open(client, "complete.scn", text)
    await _diagnostics(client, uri)
    result = await client.text_document_completion_async(
        T.CompletionParams(
            T.TextDocumentIdentifier(uri), _position(text, "accelerator ", len("accelerator "))
        )
    )
    labels = [item.label for item in result.items]
    assert "GB200" in labels and "H100" in labels
    assert "count" not in labels
    # After a number, the units of the field's dimension.
    power = text.replace("    mfu         40%", "    accelerator_power 700 ")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=power)],
        )
    )
    result = await client.text_document_completion_async(
        T.CompletionParams(
            T.TextDocumentIdentifier(uri), _position(power, "accelerator_power 700 ", 22)
        )
    )
    assert [item.label for item in result.items] == ["W", "kW", "MW", "GW"]


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_of_extends_target(client: LanguageClient):
    uri = _open(client, "child.scn", CHILD)
    await _diagnostics(client, uri)
    result = await client.text_document_definition_async(
        T.DefinitionParams(
            T.TextDocumentIdentifier(uri), _position(CHILD, "extends base", len("extends b"))
        )
    )
    assert result.uri == (ROOT["path"] / "base.scn").as_uri()
    assert (result.range.start.line, result.range.start.character) == (0, 9)


@pytest.mark.asyncio(loop_scope="module")
async def test_document_symbols_and_formatting(client: LanguageClient):
    messy = (
        'scenario   tidy {\n title "T"\n year 2026\n  region US\n cluster {\n'
        "  accelerator GB200\n  count 8\n }\n}\n"
    )
    uri = _open(client, "tidy.scn", messy)
    await _diagnostics(client, uri)
    symbols = await client.text_document_document_symbol_async(
        T.DocumentSymbolParams(T.TextDocumentIdentifier(uri))
    )
    assert [s.name for s in symbols] == ["tidy"]
    assert [c.name for c in symbols[0].children] == ["title", "year", "region", "cluster"]
    assert [c.name for c in symbols[0].children[3].children] == ["accelerator", "count"]
    edits = await client.text_document_formatting_async(
        T.DocumentFormattingParams(
            T.TextDocumentIdentifier(uri), T.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    from scendsl.language.format import format_text

    assert len(edits) == 1 and edits[0].new_text == format_text(messy)
    assert edits[0].new_text.startswith("scenario tidy {\n  title")


@pytest.mark.asyncio(loop_scope="module")
async def test_keystroke_diagnostics_arrive_promptly(client: LanguageClient):
    """A 200-line file: each change's diagnostics come back well within a second end to end
    (the analysis alone is benchmarked as lsp_diagnostics_ms)."""
    text = "\n".join(BASE.replace("scenario base", f"scenario s{i}") for i in range(10))
    uri = _open(client, "big.scn", text)
    await _diagnostics(client, uri)
    loop = asyncio.get_running_loop()
    start = loop.time()
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=text.replace("pue 1.25", "pue 0.5", 1))],
        )
    )
    await _until(lambda: _errors(client.diagnostics[uri]))
    assert loop.time() - start < 1.0
    assert client.diagnostics[uri][0].message == "'energy.pue' must be between 1 and 5"


@pytest.mark.asyncio(loop_scope="module")
async def test_warnings_are_published_with_warning_severity(client: LanguageClient):
    """The warnings `scendsl check` prints (here: GB200 before it ships) reach the editor with
    the same message and span, as Warning; fixing the year as you type clears that one."""
    from scendsl.model.evaluate import evaluate
    from scendsl.report.warnings import scenario_warnings

    text = BASE.replace("scenario base", "scenario early").replace("year   2026", "year   2024")
    (ROOT["path"] / "early.scn").write_text(text, encoding="utf-8")
    scenario = load_paths([str(ROOT["path"] / "early.scn")]).scenarios[0]
    expected = next(w for w in scenario_warnings(evaluate(scenario)) if w.rule == "not-shipping")
    uri = _open(client, "early.scn", text)
    diagnostics = await _diagnostics(client, uri)
    shipping = [d for d in diagnostics if "not yet shipping" in d.message]
    assert len(shipping) == 1, client_state()
    got = shipping[0]
    assert got.severity == T.DiagnosticSeverity.Warning
    assert got.code == "not-shipping"
    assert got.message.splitlines()[0] == expected.message
    assert got.message.splitlines()[1] == f"hint: {expected.hint}"
    assert (got.range.start.line, got.range.start.character) == (
        expected.span.line - 1,
        expected.span.col - 1,
    )
    assert got.range.start.line == text.splitlines().index("  year   2024")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=text.replace("2024", "2025"))],
        )
    )
    await _until(
        lambda: (
            client.diagnostics[uri]
            and not any("not yet shipping" in d.message for d in client.diagnostics[uri])
        )
    )


def test_check_does_not_import_the_language_server(tmp_path):
    """`scendsl check` must start as fast as before: pygls is imported by `scendsl lsp` only."""
    import subprocess

    path = tmp_path / "base.scn"
    path.write_text(BASE, encoding="utf-8")
    code = (
        "import sys; from scendsl.cli import main; code = main(['check', sys.argv[1]]); "
        "assert code == 0; assert 'pygls' not in sys.modules and 'lsprotocol' not in "
        "sys.modules, 'check imported the language server'"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_of_a_category_claim_lists_its_values_and_a_negated_flag_hovers(
    client: LanguageClient,
):
    text = BASE.replace(
        '  expect cluster.count >= 100k "over 100,000 units"',
        "  expect export.status == \n  expect not export.controlled",
    )
    uri = _open(client, "category.scn", text)
    result = await client.text_document_completion_async(
        T.CompletionParams(
            T.TextDocumentIdentifier(uri),
            _position(text, "export.status == ", len("export.status == ")),
        )
    )
    labels = [item.label for item in result.items]
    assert "licence_required" in labels and "presumption_of_denial" in labels
    complete = text.replace("export.status == ", "export.status == allowed")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=complete)],
        )
    )
    await _diagnostics(client, uri)
    result = await client.text_document_hover_async(
        T.HoverParams(
            T.TextDocumentIdentifier(uri), _position(complete, "not export.controlled", 5)
        )
    )
    assert "export.controlled" in result.contents.value
    assert "the claim FAILS" in result.contents.value  # a GB200 is export-controlled


@pytest.mark.asyncio(loop_scope="module")
async def test_briefings_block_completes_and_hovers_its_options_and_values(client: LanguageClient):
    text = BASE + "\nbriefings {\n  \n}\n"
    uri = _open(client, "briefings.scn", text)
    await _diagnostics(client, uri)
    inside = T.Position(text.count("\n", 0, text.index("briefings {")) + 1, 2)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), inside)
    )
    assert [item.label for item in result.items] == ["comparison_precision"]
    # Its values, in a block written on one line, the default marked.
    one_line = BASE + "\nbriefings { comparison_precision  }\n"
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=one_line)],
        )
    )
    after = "comparison_precision "
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), _position(one_line, after, len(after)))
    )
    items = {item.label: item.detail for item in result.items}
    assert list(items) == ["bf16", "fp8", "fp4"] and items["bf16"] == "default"
    chosen = BASE + "\nbriefings { comparison_precision fp4 }\n"
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=3),
            [T.TextDocumentContentChangeWholeDocument(text=chosen)],
        )
    )
    await _until(lambda: not _errors(client.diagnostics[uri]))
    value = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(chosen, "fp4 }", 1))
    )
    assert "**comparison_precision** `fp4`" in value.contents.value
    assert "the default is `bf16`" in value.contents.value
    # The catalog's accelerators without the figure (they fall back to another precision).
    from scendsl.catalog import load_catalog

    lacking = [n for n, a in load_catalog().accelerators.items() if "fp4_dense" not in a.figures]
    assert lacking and ", ".join(lacking) in value.contents.value
    key = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(chosen, "comparison_precision", 3))
    )
    assert "default: `bf16`" in key.contents.value and "every scenario" in key.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_price_series_values_complete_and_hover_with_the_series_prices(
    client: LanguageClient,
):
    from scendsl.catalog import load_catalog

    text = BASE.replace("  expect energy", "  market { price_series  }\n  expect energy", 1)
    uri = _open(client, "series.scn", text)
    after = "price_series "
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), _position(text, after, len(after)))
    )
    items = {item.label: item.detail for item in result.items}
    assert set(items) == {"market", "article"} and items["market"] == "default"
    article = text.replace("price_series  }", "price_series article }")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [T.TextDocumentContentChangeWholeDocument(text=article)],
        )
    )
    await _until(lambda: uri in client.diagnostics and not _errors(client.diagnostics[uri]))
    value = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(article, "article }", 2))
    )
    text = value.contents.value
    gb200 = load_catalog().market.purchase["article"]["GB200"]
    assert f"2026 {gb200[2026].text}" in text and gb200[2026].source in text
    assert "the default is `market`" in text
    # What it gives in this scenario (GB200 in 2026), and from where.
    assert "Unit price in `base`" in text and "market.purchase.article.GB200[2026]" in text
    # The field's default comes from the catalog's choices, with its argument.
    key = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(article, "price_series", 3))
    )
    assert "default: `market` — catalog choices.toml" in key.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_warned_field_shows_the_warning_rule(client: LanguageClient):
    from scendsl.report.warnings import warning_rules

    rule = next(r for r in warning_rules() if r.id == "not-shipping")
    text = BASE.replace("scenario base", "scenario warned").replace("year   2026", "year   2024")
    uri = _open(client, "warned.scn", text)
    diagnostics = await _diagnostics(client, uri)
    assert any(d.code == "not-shipping" for d in diagnostics), client_state()
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "year   2024", 1))
    )
    hover = result.contents.value
    assert hover.startswith("**year**")  # the field's own hover comes first
    assert "**warning** `not-shipping`" in hover and "rule `not-shipping`" in hover
    assert f"why: {rule.why}" in hover and f"source: {rule.source}" in hover
    # A line no warning points at shows none.
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "count       100k", 1))
    )
    assert "**warning**" not in result.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_after_expect_offers_not(client: LanguageClient):
    text = BASE.replace('  expect cluster.count >= 100k "over 100,000 units"', "  expect ")
    uri = _open(client, "expectnot.scn", text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), _position(text, "expect \n", 7))
    )
    labels = [item.label for item in result.items]
    assert labels[0] == "not" and "energy.facility_power" in labels


def test_worst_keystroke_gc_pass_does_not_walk_the_model_and_catalog():
    """The worst keystroke of lsp_diagnostics_ms was a full garbage collection walking every
    object of the loaded model and catalog; the server freezes them once loaded, so a full pass
    walks only what the analyses create."""
    import subprocess

    code = (
        "import gc\n"
        "from scendsl.lsp.server import settle\n"
        "from scendsl.lsp.analysis import catalog, registry\n"
        "settle()\n"
        "walked = gc.get_objects()\n"
        "nodes = registry().nodes\n"
        "assert not any(o is nodes for o in walked), 'the registry is still walked'\n"
        "assert not any(o is catalog().accelerators for o in walked), 'the catalog is walked'\n"
        "assert gc.get_freeze_count() > 10 * len(walked), (gc.get_freeze_count(), len(walked))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_sweep_axis_value_gives_every_value_in_si(client: LanguageClient):
    text = BASE + "\nsweep grow from base {\n  cluster.count [50k, 100k]\n  year 2025 .. 2027\n}\n"
    uri = _open(client, "axis.scn", text)
    await _diagnostics(client, uri)
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "[50k", 2))
    )
    hover = result.contents.value
    assert "**cluster.count** in sweep `grow`: 50,000 · 100,000" in hover
    assert "SI: `50000, 100000`" in hover and "6 variants of `base`" in hover
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "2025 ..", 1))
    )
    assert "2025 · 2026 · 2027" in result.contents.value  # years, not 2,025
    # An option a field takes when left out: the model's default for the precision.
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "fp8", 1))
    )
    assert "**workload.precision** `fp8`" in result.contents.value
    assert "default: `bf16`" in result.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_an_accelerator_block_figure_gives_si_and_the_catalog_figure_it_overrides(
    client: LanguageClient,
):
    from scendsl.catalog import load_catalog

    text = "accelerator GB300 extends GB200 {\n  tdp 1400 W\n}\n\n" + BASE.replace(
        "scenario base", "scenario custom"
    ).replace("GB200", "GB300")
    uri = _open(client, "custom.scn", text)
    assert not _errors(await _diagnostics(client, uri)), client_state()
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, "1400 W", 1))
    )
    hover = result.contents.value
    assert "**tdp** of `GB300` = 1.4 kW" in hover and "SI: `1400 W`" in hover
    catalog = load_catalog().accelerators["GB200"].figures["tdp"]
    assert f"overrides `GB200`'s {catalog.text} — {catalog.source}" in hover


def test_region_hover_labels_a_commercial_tariff_stand_in_as_such():
    # Hong Kong has no industrial price: its hover must not call the World Bank's commercial
    # warehouse tariff an "industrial electricity price".
    from scendsl.lsp.analysis import regional_figures

    labels = dict(regional_figures("HK"))
    label = "commercial electricity tariff (stand-in for the industrial price)"
    assert label in labels and labels[label].value == 161.0
    assert "industrial electricity price" in dict(regional_figures("FR"))


def test_a_field_read_through_an_input_of_another_name_hovers_with_its_value(tmp_path):
    # `global_batch` is read as `workload.global_batch_setting`: its hover must give the value
    # in the scenario as `micro_batch`'s does, for every field an input declares it stands for.
    from scendsl.lsp.analysis import registry
    from scendsl.lsp.hover import hover
    from scendsl.lsp.positions import Pos
    from scendsl.lsp.workspace import Workspace

    text = (
        "scenario s {\n  year 2025\n  region US\n"
        "  cluster {\n    accelerator H100\n    count 1k\n  }\n"
        "  workload {\n    parameters 8B\n    tokens 1T\n"
        "    global_batch 1024\n    micro_batch 2\n    ffn_hidden_size 14336\n  }\n}\n"
    )
    path = tmp_path / "s.scn"
    path.write_text(text, encoding="utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    lines = text.splitlines()
    for field, shown in (("global_batch", "1,024"), ("micro_batch", "2"), ("ffn_hidden", "14,336")):
        line = next(i for i, written in enumerate(lines) if written.strip().startswith(field))
        found = hover(analysis, analysis.document, Pos(line, lines[line].index(field) + 1))
        assert found is not None and f"In `s`: **{shown}**" in found.markdown, field
    renamed = [n for n in registry().inputs() if n.scenario_field not in ("", n.name)]
    assert len(renamed) >= 5  # the declarations still say which field each input stands for


MONEY = factories.MONEY + (
    "sweep prices from frankfurt {\n  energy.price [0.05 EUR/kWh, 60 USD/MWh]\n}\n"
)


async def _completion_labels(client: LanguageClient, uri: str, text: str, needle: str):
    """The completion labels at the end of `needle` in `text`, sent as the document's text."""
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=uri, version=len(text)),
            [T.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(uri), _position(text, needle, len(needle)))
    )
    return [item.label for item in result.items]


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_after_an_amount_offers_the_currencies_where_the_checker_reads_them(
    client: LanguageClient,
):
    """An accelerator block's price, a claim's figure and a sweep's value take another currency
    (language.money): completion offers each currency the catalog has a rate for there."""
    from scendsl.language.names import currency_names

    codes = list(currency_names())
    uri = _open(client, "money_complete.scn", MONEY)
    assert not _errors(await _diagnostics(client, uri)), client_state()
    block = MONEY.replace("price 4.5M JPY", "price 4.5M ")
    labels = await _completion_labels(client, uri, block, "price 4.5M ")
    assert labels[0] == "USD" and set(codes) <= set(labels)
    claim = MONEY.replace('< 50M EUR "the budget"', "< 50M ")
    labels = await _completion_labels(client, uri, claim, "< 50M ")
    assert labels[0] == "USD" and set(codes) <= set(labels)
    sweep = MONEY.replace("[0.05 EUR/kWh, 60 USD/MWh]", "[0.05 ")
    labels = await _completion_labels(client, uri, sweep, "[0.05 ")
    assert {"USD/MWh", "USD/kWh"} <= set(labels)
    assert {f"{code}/kWh" for code in codes} <= set(labels)
    # Not money: no currency.
    count = MONEY.replace("count       1k", "count       1k\n    accelerator_power 700 ")
    labels = await _completion_labels(client, uri, count, "accelerator_power 700 ")
    assert labels == ["W", "kW", "MW", "GW"]


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_shows_an_amount_in_another_currency_as_written_and_in_usd(
    client: LanguageClient,
):
    """The sweep axis, the scenario's price, the block's price and the field: the amount with
    its currency and its USD value at the scenario year's rate, never the raw amount as USD."""
    from scendsl.catalog.currency import exchange_rate
    from scendsl.language.units import UNITS

    eur = exchange_rate("EUR", 2024)
    kwh = UNITS["USD/kWh"].factor
    uri = _open(client, "money_hover.scn", MONEY)
    assert not _errors(await _diagnostics(client, uri)), client_state()

    async def hover(needle: str, offset: int = 1) -> str:
        result = await client.text_document_hover_async(
            T.HoverParams(T.TextDocumentIdentifier(uri), _position(MONEY, needle, offset))
        )
        return result.contents.value

    axis = await hover("[0.05", 2)
    usd = 0.05 / eur.per_usd
    assert f"0.05 EUR/kWh ({usd:.3g} USD/kWh at the 2024 average rate) · 60 USD/MWh" in axis
    assert f"SI: `{usd * kwh:g} USD/J, {60 / 3.6e9:g} USD/J`" in axis
    price = await hover("0.25 EUR/kWh")
    assert f"= 0.25 EUR/kWh ({0.25 / eur.per_usd:.3g} USD/kWh at the 2024 average rate)" in price
    assert f"SI: `{0.25 * kwh / eur.per_usd:g} USD/J`" in price
    block = await hover("4.5M JPY")
    assert "**price** of `Chip` = 4.5 M JPY ($" in block and " USD`" in block
    assert "at the rate of the year of each scenario using it" in block
    field = await hover("price 0.25", 1)
    assert "or in another currency the catalog has a rate for" in field
    claim = await hover("energy.annual_cost <", 1)
    assert " EUR ($" in claim and "at the 2024 average rate" in claim


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_per_reference_claim_names_the_reference_by_its_title(
    client: LanguageClient,
):
    """A claim on `divide.<ref>.compute_ratio` hovers with the meaning a reader sees in the
    briefing: the reference by its catalog title, not its key."""
    from scendsl.catalog import load_catalog

    reference = next(r for r in load_catalog().references.values() if r.title != r.name)
    claim = f"divide.{reference.name}.compute_ratio"
    text = BASE.replace(
        '  expect cluster.count >= 100k "over 100,000 units"', f"  expect {claim} > 1"
    )
    uri = _open(client, "titled.scn", text)
    assert not _errors(await _diagnostics(client, uri)), client_state()
    result = await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, claim, 3))
    )
    assert f"“{reference.title}”" in result.contents.value
    assert "{ref}" not in result.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_a_title_the_file_writes_hovers_as_text_never_as_markdown(client: LanguageClient):
    """A reference block's title reaches the hover of a claim on it (its meaning, its value):
    an image, a link or markup in it is shown as written, not rendered by the editor."""
    title = "![p](https://e.example/p.png) [x](command:evil) <img src=x> **b**"
    block = (
        f'reference evil {{\n  title "{title}"\n  accelerator H100\n  count 100k\n'
        "  kind national_resource\n  region US\n}\n"
    )
    claims = "  expect divide.evil.compute_ratio > 0\n  expect divide.public_resource == evil"
    text = block + BASE.replace('  expect cluster.count >= 100k "over 100,000 units"', claims)
    uri = _open(client, "hostile_title.scn", text)
    assert not _errors(await _diagnostics(client, uri)), client_state()
    for needle in ("divide.evil.compute_ratio", "divide.public_resource"):
        result = await client.text_document_hover_async(
            T.HoverParams(T.TextDocumentIdentifier(uri), _position(text, needle, 3))
        )
        shown = result.contents.value
        assert "e.example" in shown or "evil" in shown
        for raw in ("![p](", "[x](", "<img", "**b**"):
            assert raw not in shown, (raw, shown)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_file_name_in_a_hover_stays_inline_code(client: LanguageClient):
    """Hovers say where a value or a definition is written (`name.scn:11:5`): a file name with
    a backtick cannot close that code span and turn the rest of its name into Markdown."""
    name = "ev`![p](https:e.example p.png)`.scn"
    uri = _open(client, name, BASE)
    await _diagnostics(client, uri)
    for needle, offset in (("pue 1.25", len("pue 1")),):
        result = await client.text_document_hover_async(
            T.HoverParams(T.TextDocumentIdentifier(uri), _position(BASE, needle, offset))
        )
        shown = result.contents.value
        assert "ev'![p](https:e.example p.png)'.scn" in shown, shown
        assert "`![p]" not in shown


@pytest.mark.asyncio(loop_scope="module")
async def test_a_diagnostic_with_one_fix_offers_it_as_a_quick_fix(client: LanguageClient):
    text = BASE.replace("scenario base", "scenario quickfix").replace("region US", "region USA")
    text = text.replace("accelerator GB200", "accelerator gb200")
    uri = _open(client, "quickfix.scn", text)
    errors = _errors(await _diagnostics(client, uri))
    by_line = {d.range.start.line: d for d in errors}
    region, chip = by_line[3], by_line[5]
    actions = await client.text_document_code_action_async(
        T.CodeActionParams(
            T.TextDocumentIdentifier(uri),
            T.Range(T.Position(0, 0), T.Position(len(text.splitlines()), 0)),
            T.CodeActionContext(diagnostics=errors),
        )
    )
    edits = {a.title: a.edit.changes[uri][0] for a in actions}
    assert set(edits) == {"Replace with US", "Replace with GB200"}
    assert edits["Replace with US"].range == region.range
    assert edits["Replace with GB200"].range == chip.range
    assert all(a.kind == T.CodeActionKind.QuickFix and a.is_preferred for a in actions)
    # A diagnostic sent back with data the server did not make offers nothing.
    forged = T.Diagnostic(
        range=chip.range, message="x", source="scendsl", data={"fix": "a\nb" * 200}
    )
    none = await client.text_document_code_action_async(
        T.CodeActionParams(
            T.TextDocumentIdentifier(uri), chip.range, T.CodeActionContext(diagnostics=[forged])
        )
    )
    assert not none


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_after_compare_with_offers_references_then_countries(
    client: LanguageClient,
):
    from scendsl.catalog import load_catalog

    uri = _open(client, "compare_complete.scn", BASE)
    await _diagnostics(client, uri)
    text = BASE.replace("  region US\n", "  region US\n  compare_with \n")
    labels = await _completion_labels(client, uri, text, "compare_with ")
    references = [
        name for name, ref in load_catalog().references.items() if ref.kind == "national_resource"
    ]
    assert labels[: len(references)] == references  # national resources only: no other kind
    assert "DE" in labels[len(references) :]
