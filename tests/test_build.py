"""`scendsl build`: pages, determinism, atomic writes, --check, escaping, the template sandbox,
and the risk register's rules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, SKETCH
from scendsl.errors import ScenarioError
from scendsl.report import build as build_module
from scendsl.report.build import build, render_files
from scendsl.report.render import builtin_templates_dir, md_escape
from scendsl.report.risk import (
    RiskRulesError,
    assess_one,
    load_rules,
    parse_rules,
    rule_problems,
)

TOPICAL = ["index", "landscape", "compute-divide", "energy", "risk"]

EVIL = r'''
scenario evil {
  title     "<script>alert(1)</script> \"><img src=x onerror=alert(1)> [x](javascript:alert(1))"
  operator  "[x](javascript:alert(1)) <b onmouseover=alert(1)>"
  year      2026
  region    US
  source    "\"><img src=x onerror=alert(1)> <script>alert(1)</script> [x](javascript:alert(1))"
  cluster {
    accelerator GB200
    count 1k
    mfu 40%
  }
  workload {
    parameters 7B
    tokens 1T
  }
  expect energy.facility_power >= 1 MW "QUOTE"
}

reference evil_ref {
  title "<script>alert(1)</script> [x](javascript:alert(1)) $\\alpha$"
  accelerator H100
  count 10
  source "\"><img src=x onerror=alert(1)>"
}
'''.replace("QUOTE", r'<script>alert(1)</script> [x](javascript:alert(1)) \"><img src=x '
                     r'onerror=alert(1)> | `tick` *star* _u_ $x$')


@pytest.fixture(scope="module")
def sketch_files() -> dict[str, bytes]:
    """The language sketch's briefings, rendered once for the tests that only read them."""
    return render_files([str(SKETCH)])


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------------ pages
def test_every_page_in_both_formats(sketch_files):
    scenarios = ["colossus2", "colossus2_h100", "colossus2_uncertain"]
    expected = {f"{page}.{ext}" for page in TOPICAL + scenarios for ext in ("md", "html")}
    assert set(sketch_files) == expected  # sweep variants get no page of their own


def test_sweep_is_a_table_and_a_chart_in_its_base_briefing(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    section = md[md.index("## Sweep colossus2\\_buildout"):md.index("## Claims checked")]
    rows = [line for line in section.splitlines() if re.match(r"\| 20\d\d \|", line)]
    assert len(rows) == 4 * 3  # years 2025..2028 × three counts
    html = sketch_files["colossus2.html"].decode()
    label = "Purchase price of the cluster&#x27;s accelerators — sweep colossus2_buildout"
    assert f'aria-label="{label}"' in html


def test_briefing_starts_with_findings_and_has_every_section(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["Compute and performance", "Compute divide", "Energy", "Market", "Risk",
                        "Sweep colossus2\\_buildout", "Claims checked", "Assumptions", "Sources"]
    findings = md[md.index("> **Key findings**"):md.index("## Compute and performance")]
    bullets = [line for line in findings.splitlines() if line.startswith("> - ")]
    assert 3 <= len(bullets) <= 5
    assert all(re.search(r"\d", bullet) for bullet in bullets)  # every finding has its numbers


def test_numbers_use_the_one_formatting(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    # 100k GB200 × 5 PFLOP/s dense FP8 = 500 EFLOP/s; 100k × $30k (the scenario's price) = $3 B
    assert "| Dense FP8 peak of the whole cluster | 500 EFLOP/s | `cluster.peak_fp8` |" in md
    assert "| Purchase price of the cluster's accelerators | $3 B | `market.capex` |" in md


def test_every_number_in_html_expands_to_its_derivation(sketch_files):
    html = sketch_files["colossus2.html"].decode()
    blocks = re.findall(r'<details class="num"><summary>500 EFLOP/s</summary>(.*?)</details>', html)
    derivation = next(b for b in blocks if "<code>cluster.peak_fp8</code> =" in b)
    assert "= cluster.count × accelerator.fp8_dense" in derivation
    assert "cluster.count" in derivation and "accelerator.fp8_dense" in derivation
    assert "source:" in derivation  # the inputs' sources, with their confidence codes


def test_claims_table_has_quote_value_verdict_and_margin(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    row = next(line for line in md.splitlines()
               if line.startswith("| ") and "expected to consume over 500 MW" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # facility power: 100k × 1,667 W × (1 + 7.5%) × PUE 1.25 = 224 MW < 500 MW: the claim fails
    assert cells[2:] == ["`energy.facility_power`", "≥ 500 MW", "224 MW", "**fails**", "−55%"]


def test_html_is_self_contained_and_printable(sketch_files):
    html = sketch_files["colossus2.html"].decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "default-src 'none'" in html  # nothing can be fetched, no script can run
    assert "@media print" in html and "max-width" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r'\s(src|href)="(https?:)?//', html)
    links = set(re.findall(r'<a href="([^"]+)"', html))
    assert links and all(re.fullmatch(r"[\w\-]+\.html(#[\w\-]+)?", link) for link in links)


def test_markdown_links_between_markdown_pages(sketch_files):
    md = sketch_files["index.md"].decode()
    assert "[Anthropic on Colossus2 (GB200)](colossus2.md)" in md
    assert ".html" not in md


def test_templates_are_found_in_the_package_or_the_checkout():
    folder = builtin_templates_dir()
    assert (folder / "page.html.j2").is_file() and (folder / "scenario.md.j2").is_file()


# ------------------------------------------------------------------------------ determinism
def _build_in_subprocess(out: Path, seed: str, jobs: str) -> None:
    code = ("import sys; from scendsl.report.build import build; "
            "sys.exit(build([sys.argv[1]], sys.argv[2]).exit_code)")
    env = dict(os.environ, PYTHONHASHSEED=seed, SCENDSL_JOBS=jobs)
    subprocess.run([sys.executable, "-c", code, str(SKETCH), str(out)], cwd=ROOT, env=env,
                   check=True, timeout=120)


def test_same_inputs_give_the_same_bytes_under_other_hash_seeds(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _build_in_subprocess(first, "1", "1")  # serial, charts drawn in this process
    _build_in_subprocess(second, "4242", "2")  # charts drawn by the worker when there is one
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_charts_are_deterministic_and_ids_differ_between_charts():
    from scendsl.report import charts

    bars = [("Cluster", 5e20, True), ("Reference", 1e19, False)]
    one = charts.compute_bars(bars, "one")
    assert one == charts.compute_bars(bars, "one")
    other = charts.compute_bars(bars, "other")
    ids = lambda svg: set(re.findall(r'id="([^"]+)"', svg))  # noqa: E731
    assert ids(one) and not ids(one) & ids(other)
    assert one.startswith("<svg") and "<title>" in one and "Date" not in one


def test_chart_labels_are_never_mathtext():
    import html

    from scendsl.report import charts

    label = r"$\alpha$ cost $5 back\slash"
    svg = charts.compute_bars([(label, 1e18, True)], "math")
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert label in texts  # shown as written: no Greek letter, no lost dollar or backslash


# ----------------------------------------------------------------------------- atomic writes
def test_build_then_check_is_clean(tmp_path):
    out = tmp_path / "out"
    report = build([str(SKETCH)], str(out))
    assert report.exit_code == 0 and len(report.written) == len(report.files)
    check = build([str(SKETCH)], str(out), check=True)
    assert check.exit_code == 0 and check.stale == [] and check.written == []


def test_check_reports_missing_changed_and_extra_files_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    (out / "energy.md").unlink()
    (out / "risk.html").write_text("edited by hand", encoding="utf-8")
    (out / "old_scenario.md").write_text("from an earlier build", encoding="utf-8")
    before = snapshot(out)
    report = build([str(SKETCH)], str(out), check=True)
    assert report.exit_code == 1
    assert sorted(report.stale) == ["energy.md (missing)", "old_scenario.md (extra)",
                                    "risk.html (changed)"]
    assert snapshot(out) == before


def test_build_removes_stale_pages_and_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    (out / "old_scenario.html").write_text("stale", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "assets").mkdir()
    (out / "assets" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    report = build([str(SKETCH)], str(out))
    assert [Path(p).name for p in report.removed] == ["old_scenario.html"]
    assert not (out / "old_scenario.html").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "assets" / "logo.svg").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []  # the temporary folders are gone


def test_a_scenario_error_leaves_the_output_folder_unchanged(tmp_path):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SKETCH.parent, scenarios)
    out = tmp_path / "out"
    build([str(scenarios)], str(out))
    before = snapshot(out)
    (scenarios / "broken.scn").write_text(
        'scenario broken {\n  title "Broken"\n  year 2026\n  region US\n'
        '  cluster { accelerator NOPE\n count 10 }\n}\n', encoding="utf-8")
    with pytest.raises(ScenarioError):
        build([str(scenarios)], str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenarios"]


def test_a_failure_while_writing_leaves_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    before = snapshot(out)

    def broken_swap(fresh, target):
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "_swap", broken_swap)
    with pytest.raises(OSError):
        build([str(SKETCH)], str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_scenario_named_like_a_topical_page_gets_its_own_file(tmp_path):
    scenario = tmp_path / "energy.scn"
    scenario.write_text('scenario energy {\n  title "Energy"\n  year 2026\n  region US\n'
                        '  cluster {\n    accelerator H100\n    count 8\n  }\n}\n',
                        encoding="utf-8")
    files = render_files([str(scenario)])
    assert "scenario-energy.md" in files and "energy.md" in files
    assert b"(scenario-energy.md)" in files["index.md"]


# ---------------------------------------------------------------------------------- escaping
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "link"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if value and "javascript:" in value.lower():
                self.problems.append(f"{tag} {name}={value}")


def test_scenario_text_cannot_inject_html_or_links(tmp_path):
    source = tmp_path / "evil.scn"
    source.write_text(EVIL, encoding="utf-8")
    files = render_files([str(source)])
    for name, content in files.items():
        text = content.decode()
        if name.endswith(".html"):
            parser = _Tags()
            parser.feed(text)
            assert parser.problems == [], name
            assert "<script" not in text.lower() and "onerror=alert" not in text.replace(
                "onerror=alert(1)&gt;", "")
        else:
            prose = re.sub(r"`[^`]*`", "", text)  # code spans show `<` as written
            assert "<" not in prose, name  # no raw HTML at all in the Markdown
            assert not re.search(r"(?<!\\)\]\(javascript:", text), name  # no live link
            assert not re.search(r"(?<!\\)`tick", text), name
    evil = files["evil.md"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil  # shown, not dropped
    assert r"\[x\](javascript:alert(1))" in evil
    assert "&#124; \\`tick\\` \\*star\\* \\_u\\_" in evil


@pytest.mark.parametrize("text, escaped", [
    ("<b>&", "&lt;b&gt;&amp;"),
    ("[x](javascript:alert(1))", r"\[x\](javascript:alert(1))"),
    ("a | b", "a &#124; b"),
    ("*not* _emphasis_ `code`", r"\*not\* \_emphasis\_ \`code\`"),
    ("# not a heading", r"\# not a heading"),
    ("- not a list", r"\- not a list"),
    ("1. not a list", r"1\. not a list"),
    ("4.80e26 FLOP", "4.80e26 FLOP"),
    ("two\nlines\ttabs", "two lines tabs"),
    ("\ue000 token \ue001", "token"),
])
def test_markdown_escaping(text, escaped):
    assert str(md_escape(text)) == escaped


# ----------------------------------------------------------------------------------- sandbox
def _user_templates(tmp_path: Path, name: str, body: str) -> str:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ s._result }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../../../etc/passwd' %}",
])
def test_user_templates_cannot_escape_the_sandbox(tmp_path, body):
    templates = _user_templates(tmp_path, "scenario.md.j2", body)
    out = tmp_path / "out"
    with pytest.raises(ScenarioError) as caught:
        build([str(SKETCH)], str(out), templates_dir=templates)
    message = str(caught.value)
    assert "scenario.md.j2" in message
    assert "root:" not in message and "<class" not in message
    assert not out.exists()


def test_user_template_overrides_one_page_and_the_rest_stay(tmp_path):
    templates = _user_templates(
        tmp_path, "index.md.j2",
        "# Our briefings\n\n{% for s in scenarios %}- [{{ s.title }}]({{ url(s.page) }}): "
        "{{ s.m('energy.facility_power') }}\n{% endfor %}")
    files = render_files([str(SKETCH)], templates)
    index = files["index.md"].decode()
    assert index.startswith("# Our briefings\n") and "(colossus2.md): 224 MW" in index
    assert "224 MW</summary>" in files["index.html"].decode()
    assert files["risk.md"] == render_files([str(SKETCH)])["risk.md"]


def test_a_missing_templates_folder_is_a_clean_error(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        build([str(SKETCH)], str(tmp_path / "out"), templates_dir=str(tmp_path / "nowhere"))


# ------------------------------------------------------------------------------------- risk
def _registry_dimensions() -> dict[str, str]:
    import scendsl
    from scendsl.catalog import load_catalog
    from scendsl.model.evaluate import nodes_for

    scenario = scendsl.load(str(SKETCH)).get("colossus2")
    return {node.name: node.dimension for node, _ in nodes_for(scenario, load_catalog())}


def test_every_risk_rule_names_a_model_metric_with_a_matching_unit():
    assert rule_problems(load_rules(), _registry_dimensions()) == []


def test_every_threshold_says_why_and_where_from():
    for risk in load_rules():
        assert risk.rules[-1].when == ()  # a last rule that always holds
        for rule in risk.rules:
            assert rule.reason and rule.source and rule.confidence in "ABCU"


def test_rules_file_mistakes_are_reported():
    base = {"key": "k", "title": "T", "driver": "m", "concern": "c"}
    good_rule = {"rating": "low", "when": [], "reason": "r", "source": "s", "confidence": "C"}
    with pytest.raises(RiskRulesError, match="rating"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, rating="severe")])]})
    with pytest.raises(RiskRulesError, match="reason"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, reason="")])]})
    with pytest.raises(RiskRulesError, match="exactly one"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, when=[
            {"metric": "m", "above": "1", "below": "2"}])])]})
    with pytest.raises(RiskRulesError, match="unknown unit"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, when=[
            {"metric": "m", "above": "1 parsecs"}])])]})


RULES = {"risk": [{
    "key": "power", "title": "Power", "driver": "energy.facility_power", "concern": "c",
    "rule": [
        {"rating": "high", "when": [{"metric": "energy.facility_power", "at_least": "1 GW"}],
         "reason": "r1", "source": "s1", "confidence": "C"},
        {"rating": "medium", "when": [{"metric": "energy.annual_emissions",
                                       "at_least": "25 ktCO2"}],
         "reason": "r2", "source": "s2", "confidence": "B"},
        {"rating": "low", "when": [], "reason": "r3", "source": "s3", "confidence": "C"},
    ]}]}


def test_first_matching_rule_gives_the_rating():
    (risk,) = parse_rules(RULES)
    values = {"energy.facility_power": 2e9, "energy.annual_emissions": 0.0}
    assert assess_one(risk, values.get).rating == "high"
    values = {"energy.facility_power": 224e6, "energy.annual_emissions": 530e6}  # 530 kt ≥ 25 kt
    assessment = assess_one(risk, values.get)
    assert (assessment.rating, assessment.rule.reason, assessment.caveats) == ("medium", "r2", ())
    values = {"energy.facility_power": 224e6, "energy.annual_emissions": 20e6}
    assert assess_one(risk, values.get).rating == "low"


def test_a_rule_on_an_unavailable_metric_is_a_caveat_not_a_low_rating():
    (risk,) = parse_rules(RULES)
    # power unknown, emissions 1 kt < 25 kt: "otherwise" would claim power < 1 GW
    assessment = assess_one(risk, {"energy.facility_power": None,
                                   "energy.annual_emissions": 1e6}.get)
    assert (assessment.rating, assessment.caveats) == (
        None, ("not rated: energy.facility_power is n/a",))
    # power unknown, emissions 30 kt ≥ 25 kt: medium, but it could be high
    assessment = assess_one(risk, {"energy.facility_power": None,
                                   "energy.annual_emissions": 30e6}.get)
    assert (assessment.rating, assessment.caveats) == (
        "medium", ("could be high: energy.facility_power is n/a",))
    assessment = assess_one(risk, {}.get)
    assert assessment.rating is None and "energy.annual_emissions" in assessment.caveats[0]


def test_risk_register_ratings_for_the_sketch(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    register = md[md.index("## Risk"):md.index("### Export control")]
    ratings = dict(re.findall(r"^\| ([A-Za-z ]+) \| \*\*(\w+)\*\* \|", register, flags=re.M))
    # goodput 41% < 90% → high; 224 MW ≥ 75 MW → medium; 0.0089 nats per doubling < 0.01 → high
    assert ratings["Hardware reliability"] == "high"
    assert ratings["Energy and regulation"] == "medium"
    assert ratings["Scaling plateau"] == "high"
    assert set(ratings) == {r.title for r in load_rules()}


def test_index_links_to_the_sweep_section_of_its_base_briefing(sketch_files):
    index = sketch_files["index.html"].decode()
    page, anchor = re.search(r'href="(colossus2\.html)#(sweep-[\w\-]+)"', index).groups()
    assert f'id="{anchor}"' in sketch_files[page].decode()


def test_a_scenario_without_workload_is_briefed_with_what_is_known(tmp_path):
    scenario = tmp_path / "tiny.scn"
    scenario.write_text('scenario tiny {\n  title "Tiny"\n  year 2026\n  region US\n'
                        '  cluster {\n    accelerator H100\n    count 8\n  }\n}\n',
                        encoding="utf-8")
    md = render_files([str(scenario)])["tiny.md"].decode()
    findings = [line for line in md.splitlines() if line.startswith("> - ")]
    assert len(findings) >= 3
    # 8 H100 at 989.4 TFLOP/s dense BF16 (the default precision) = 7.92 PFLOP/s
    assert findings[0].startswith("> - 8 H100 accelerators give 7.92 PFLOP/s")
    assert "`performance.training_time`" in md  # listed as not available, not invented
    plateau = next(line for line in md.splitlines() if line.startswith("| Scaling plateau |"))
    assert "**not rated**" in plateau and "scaling.loss\\_drop\\_per\\_doubling is n/a" in plateau


@pytest.mark.parametrize("where", ["cwd", "scenarios", "project"])
def test_refuses_an_output_folder_that_holds_the_project(tmp_path, monkeypatch, where):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SKETCH.parent, scenarios)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = {"cwd": ".", "scenarios": str(scenarios), "project": str(tmp_path)}[where]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ScenarioError, match="refusing to write the briefings"):
        build([str(scenarios)], out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_without_a_writable_parent_files_are_replaced_one_by_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    (out / "old_scenario.md").write_text("stale", encoding="utf-8")
    (out / "risk.md").write_text("edited", encoding="utf-8")

    def no_sibling(*args, **kwargs):
        raise PermissionError("read-only parent")

    monkeypatch.setattr(build_module.tempfile, "mkdtemp", no_sibling)
    report = build([str(SKETCH)], str(out))
    assert [Path(p).name for p in report.removed] == ["old_scenario.md"]
    assert build([str(SKETCH)], str(out), check=True).stale == []


# ------------------------------------------------------------------------ committed output
def test_committed_briefings_are_up_to_date():
    # Relative, as the README's command names them: the briefings quote the scenario paths.
    report = build(["scenarios"], "out", check=True)
    assert report.exit_code == 0, report.summary() + "\nrun `scendsl build` and commit out/"


# ------------------------------------------------------------------------ killed mid-way
def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("delay", [0.15, 0.35, 0.55, 0.75, 0.95, 1.2])
def test_a_build_killed_at_any_moment_leaves_old_or_new_output(tmp_path, delay):
    """SIGKILL a build at several moments: the folder is the old build or the new, never half."""
    import signal
    import time

    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    out = tmp_path / "out"
    build([str(scenarios)], str(out))
    old = _contents(out)
    target = scenarios / "colossus2.scn"
    target.write_text(target.read_text().replace("pue 1.25", "pue 1.4", 1))
    expected_new = tmp_path / "expected"
    build([str(scenarios)], str(expected_new))
    new = _contents(expected_new)
    assert new != old

    process = subprocess.Popen([sys.executable, "-m", "scendsl", "build", str(scenarios), "-o",
                                str(out)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the build and its chart worker
    except ProcessLookupError:
        pass
    process.wait()
    assert _contents(out) in (old, new)
