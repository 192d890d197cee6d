"""The reviewer's tools: `fmt --diff` shows what `fmt` would change."""

from __future__ import annotations

from scendsl.cli import main


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
