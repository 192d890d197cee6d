"""The reviewer's tools: `fmt --diff` shows what `fmt` would change; `diff` shows a flipped
claim's threshold and the risk ratings and export status that changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scendsl.cli import main
from scendsl.errors import EXIT_CHANGED

SAMPLES = Path("scenarios")


def test_fmt_diff_prints_a_unified_diff_writes_nothing_and_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "messy.scn").write_text('scenario a {\ntitle "A"\n}', "utf-8")
    (tmp_path / "tidy.scn").write_text('scenario b {\n  title "B"\n}\n', "utf-8")
    before = (tmp_path / "messy.scn").read_bytes()
    assert main(["fmt", "--diff", "."]) == 1
    out = capsys.readouterr().out
    assert out == (
        "--- a/messy.scn\n"
        "+++ b/messy.scn\n"
        "@@ -1,3 +1,3 @@\n"
        " scenario a {\n"
        '-title "A"\n'
        "-}\n"
        "\\ No newline at end of file\n"
        '+  title "A"\n'
        "+}\n"
    )
    assert (tmp_path / "messy.scn").read_bytes() == before


def test_fmt_diff_is_silent_and_exits_0_when_every_file_is_formatted(tmp_path, capsys):
    tidy = tmp_path / "tidy.scn"
    tidy.write_text('scenario b {\n  title "B"\n}\n', "utf-8")
    assert main(["fmt", "--diff", str(tidy)]) == 0
    assert capsys.readouterr().out == ""


def test_fmt_diff_escapes_line_breaks_in_file_names(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a\nfake.scn").write_text("scenario a {\n}", "utf-8")
    assert main(["fmt", "--diff", "."]) == 1
    assert capsys.readouterr().out.splitlines()[:2] == ["--- a/a\\nfake.scn", "+++ b/a\\nfake.scn"]


# ----------------------------------------------------------------- diff: claims and ratings
def _edited_samples(tmp_path, file, old, new):
    copy = tmp_path / "scenarios"
    shutil.copytree(SAMPLES, copy)
    text = (copy / file).read_text("utf-8")
    assert old in text, f"the sample no longer contains {old!r}: update the edit"
    (copy / file).write_text(text.replace(old, new, 1), "utf-8")
    return copy


def test_flipped_claim_shows_its_threshold_and_risk_flips_follow_it_in_text(tmp_path, capsys):
    copy = _edited_samples(tmp_path, "colossus2.scn", "    pue 1.25\n", "    pue 3.5\n")
    assert main(["diff", "scenarios", str(copy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("~ colossus2  Anthropic on Colossus2 (GB200)")
    assert lines[start + 1].startswith(
        "    claim energy.facility_power >= 500 MW: fails → holds (224 MW → 627 MW)  "
    )
    assert lines[start + 2] == "    risk energy_regulation: medium → high"
    assert lines[start + 3].startswith("    input ")


def test_export_status_flip_is_reported_in_json_and_keeps_the_exit_codes(tmp_path, capsys):
    copy = _edited_samples(tmp_path, "benchmarks.scn", "  region US\n", "  region CN\n")
    assert main(["diff", "scenarios", str(copy), "--format", "json", "--fail-on-claims"]) == 0
    first = json.loads(capsys.readouterr().out)["scenarios"][0]
    assert first["name"] == "bench_h100"
    assert first["ratings"] == [
        {
            "kind": "risk",
            "key": "export_control",
            "title": "Export control",
            "old": "medium",
            "new": "high",
        },
        {
            "kind": "export",
            "key": "export.status",
            "title": "Export status",
            "old": "allowed",
            "new": "presumption_of_denial",
        },
    ]
    assert main(["diff", "scenarios", str(copy), "--exit-code"]) == EXIT_CHANGED


def test_coloured_terminal_diff_shows_the_rating_flips_too(tmp_path):
    from rich.console import Console

    from scendsl.language.resolve import load_paths
    from scendsl.model.evaluate import evaluate
    from scendsl.report.diff import diff_results, render_rich, render_text

    copy = _edited_samples(tmp_path, "benchmarks.scn", "  region US\n", "  region CN\n")
    before, after = ([evaluate(s) for s in load_paths([str(p)]).scenarios] for p in (SAMPLES, copy))
    diff = diff_results(before, after)
    console = Console(record=True, width=300, color_system=None)
    render_rich(diff, console)
    rich_lines = console.export_text().splitlines()
    wanted = [
        "    risk export_control: medium → high",
        "    export status: allowed → presumption of denial",
    ]
    text_lines = render_text(diff).splitlines()
    for line in wanted:
        assert line in text_lines and line in rich_lines
