"""Hostile input to `scendsl diff`: paths, oversized blobs, many files, Markdown injection."""

import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from scendsl.app.gitsnap import snapshot
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.parse import MAX_FILE_BYTES

SAMPLES = Path("scenarios")


def git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def committed_repo(tmp_path, edit=None):
    """A repository with the samples committed (after `edit`), then the edit undone on disk."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLES, repo / "scenarios")
    target = repo / "scenarios" / "colossus2.scn"
    original = target.read_text()
    if edit:
        assert edit[0] in original
        target.write_text(original.replace(*edit, 1))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    target.write_text(original)
    return repo


# With PUE 3.5 committed, the working tree's PUE 1.25 makes the 500 MW claim fail: exit 3.
FLIP = ("    pue 1.25\n", "    pue 3.5\n")


def test_diff_git_absolute_path_finds_the_flipped_claim_like_a_relative_one(
    tmp_path, monkeypatch, capsys
):
    repo = committed_repo(tmp_path, FLIP)
    monkeypatch.chdir(repo)
    assert main(["diff", "--git", "HEAD", "scenarios", "--fail-on-claims"]) == 3
    relative = capsys.readouterr().out
    assert "No change in results." not in relative
    assert main(["diff", "--git", "HEAD", str(repo / "scenarios"), "--fail-on-claims"]) == 3
    # The same report; only the file named in it is spelled as on the command line.
    assert capsys.readouterr().out.replace(str(repo) + "/", "") == relative


def test_diff_git_from_a_subfolder_with_dot_and_absolute_paths(tmp_path, monkeypatch, capsys):
    repo = committed_repo(tmp_path, FLIP)
    monkeypatch.chdir(repo / "scenarios")
    for path in (".", str(repo / "scenarios"), "../scenarios", str(repo)):
        assert main(["diff", "--git", "HEAD", path, "--fail-on-claims"]) == 3, path
        assert "1 claim now fails" in capsys.readouterr().out


def test_diff_git_path_outside_the_repository_is_a_usage_error(tmp_path, monkeypatch, capsys):
    repo = committed_repo(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.copytree(SAMPLES, outside)
    monkeypatch.chdir(repo)
    for path in (str(outside), "../elsewhere"):
        assert main(["diff", "--git", "HEAD", path]) == 2
        err = capsys.readouterr().err
        assert "is outside the git repository" in err and "Traceback" not in err


def test_diff_git_revision_that_looks_like_an_option_is_refused(tmp_path, monkeypatch, capsys):
    repo = committed_repo(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["diff", "--git=--output=x", "scenarios"]) == 2
    assert not (repo / "x").exists()
    assert main(["diff", "--git", "no-such-rev", "scenarios"]) == 1
    assert "cannot read revision 'no-such-rev'" in capsys.readouterr().err


def test_diff_git_oversized_blob_refused_from_its_size_before_reading_it(
    tmp_path, monkeypatch, capsys
):
    repo = committed_repo(tmp_path)
    big = repo / "scenarios" / "huge.scn"
    with open(big, "wb") as handle:
        handle.write(b"# " + b"x" * (MAX_FILE_BYTES + 10) + b"\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "huge")
    big.unlink()
    monkeypatch.chdir(repo)
    into = tmp_path / "snapshot"
    into.mkdir()
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError) as raised:
            snapshot("HEAD", ["scenarios"], str(into))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Reading the blob would hold its 8 MiB in memory; the size comes from git's object header.
    assert peak < 1024 * 1024
    assert list(into.iterdir()) == []
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.span.file == "HEAD:scenarios/huge.scn"
    assert "8 MiB limit" in diagnostic.message
    assert main(["diff", "--git", "HEAD", "scenarios"]) == 1
    assert "HEAD:scenarios/huge.scn:1:1: error: file is larger than" in capsys.readouterr().err


def test_diff_git_many_files_uses_three_git_processes_not_one_per_file(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "scenarios" / "deep").mkdir(parents=True)
    for index in range(300):
        folder = "scenarios/deep" if index % 2 else "scenarios"
        (repo / folder / f"s{index:03d}.scn").write_text(f"# file {index}\n")
    (repo / "scenarios" / "notes.txt").write_text("not a scenario\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "many")
    monkeypatch.chdir(repo)
    started = []
    real_popen = subprocess.Popen

    class CountingPopen(real_popen):  # counts every process started; runs them unchanged
        def __init__(self, args, *rest, **options):
            started.append(list(args))
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", CountingPopen)
    into = tmp_path / "snapshot"
    into.mkdir()
    assert snapshot("HEAD", ["scenarios"], str(into)) == [str(into / "scenarios")]
    assert len(started) <= 4, [a[:3] for a in started]
    written = sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file())
    assert len(written) == 300 and "scenarios/notes.txt" not in written
    assert (into / "scenarios" / "deep" / "s299.scn").read_text() == "# file 299\n"


# ------------------------------------------------------------------ Markdown injection (item 7)
cmarkgfm = pytest.importorskip("cmarkgfm")

INJECTION = "[Approve](https://evil.example/login) ![t](https://evil.example/pixel.png) @octocat"
HOSTILE_TEXTS = [
    INJECTION,
    "see https://evil.example/a or HTTP://EVIL.EXAMPLE/b or ftp://evil.example/c",
    "visit www.evil.example or WWW.evil.example (www.evil.example)",
    "write to boss@evil.example, mailto:boss@evil.example or xmpp:boss@evil.example",
    "<https://evil.example/x> <boss@evil.example> <img src=x onerror=alert(1)>",
    "[ref]: https://evil.example/ref and [ref] and [^1] and @org/team and *@octocat*",
    "`code` **bold** _it_ | pipe \\ backslash & amp; &lt; entity &#64; &#124;",
    "#1 fixes owner/repo#2 and #3; ## not a heading",
]


def rendered_text(markdown: str) -> str:
    """What a reader sees of GitHub's rendering: the text, entities decoded, tags gone."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]*>", "", markdown))


def assert_inert(markdown: str, users_texts: list[str]) -> None:
    """No link, image or mention in GitHub's rendering, and every user text reads as written."""
    import re

    page = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert "<a " not in page and "<img" not in page, page
    text = rendered_text(page)
    # GitHub's mention and e-mail filters run on the decoded text: '@' must not touch a name.
    assert not re.search(r"@[A-Za-z0-9]", text), text
    assert not re.search(r"#[0-9]", text), text  # GitHub links "#12" to issue 12
    visible = " ".join(text.replace("\u200b", "").split())
    for user_text in users_texts:
        assert " ".join(user_text.split()) in visible


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_markdown_injection_md_escape_is_inert_on_github(text):
    from scendsl.report.render import md_escape

    assert_inert(f"Quote: {md_escape(text)}\n", [text])
    assert_inert(f"| quote |\n|---|\n| {md_escape(text)} |\n", [text])


def test_markdown_injection_through_a_diff_pull_request_comment(tmp_path, capsys):
    scenario = (
        'scenario hostile {{\n  title "{title}"\n  year 2026\n  region DE\n'
        "  cluster.accelerator MI300X\n  cluster.count {count}\n"
        '  expect cluster.count >= 100 "{quote}"\n}}\n'
    )
    for folder, count in (("old", 128), ("new", 64)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "h.scn").write_text(
            scenario.format(title=HOSTILE_TEXTS[1], count=count, quote=INJECTION)
        )
    code = main(
        [
            "diff",
            str(tmp_path / "old"),
            str(tmp_path / "new"),
            "--format",
            "markdown",
            "--fail-on-claims",
        ]
    )
    comment = capsys.readouterr().out
    assert code == 3 and "1 claim now fails" in comment
    assert_inert(comment, [INJECTION])


def test_markdown_injection_in_briefing_markdown(tmp_path):
    from scendsl.app.build import render_files

    fields = {
        "title": HOSTILE_TEXTS[1],
        "operator": HOSTILE_TEXTS[3],
        "source": HOSTILE_TEXTS[2],
        "quote": INJECTION,
    }
    (tmp_path / "h.scn").write_text(
        'scenario hostile {{\n  title "{title}"\n  operator "{operator}"\n  year 2026\n'
        '  region DE\n  source "{source}"\n  cluster.accelerator MI300X\n  cluster.count 64\n'
        '  expect cluster.count >= 100 "{quote}"\n}}\n'.format(**fields)
    )
    files = render_files([str(tmp_path / "h.scn")])
    page = cmarkgfm.github_flavored_markdown_to_html(files["hostile.md"].decode())
    import re

    # The scenario's block, shown as written in a code block: GitHub links nothing there.
    code = re.findall(r"<pre[^>]*>.*?</pre>", page, flags=re.S)
    assert len(code) == 1 and "<a " not in code[0] and "<img" not in code[0]
    page = page.replace(code[0], "")
    visible = " ".join(rendered_text(page).replace("\u200b", "").split())
    for text in fields.values():
        assert text in visible
    # Our own links (to the other pages) stay; none of the user's URLs becomes one.
    assert "<img" not in page

    hrefs = re.findall(r'<a href="([^"]*)"', page)
    assert hrefs and all(":" not in href and "evil" not in href for href in hrefs), hrefs
    assert not re.search(r"@[A-Za-z0-9]", rendered_text(page))
