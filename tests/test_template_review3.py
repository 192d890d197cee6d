"""User templates, third hostile-input review: the compiled-template cache, the HTML page,
compile time, macro buffers, bidi controls and placeholder characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.app.build import render_files
from scendsl.errors import ScenarioError
from scendsl.report import loader, render, sandbox


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build(templates: Path | None = None) -> dict[str, bytes]:
    return render_files([str(SKETCH)], str(templates) if templates else None, samples=0)


def _refused(folder: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        _build(folder)
    return str(caught.value)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SCENDSL_CACHE_DIR")  # the caches in XDG_CACHE_HOME
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    return tmp_path / "cache"


def test_a_user_template_cannot_poison_the_compiled_template_cache(tmp_path, fresh_cache):
    # The Markdown environment compiling page.html.j2 first must not leave code that the HTML
    # environment then runs: each environment has its own cache folder.
    hostile = _folder(
        tmp_path,
        {
            "index.md.j2": "{% set title='x' %}{% set body='' %}"
            "{% set page='' %}{% include 'page.html.j2' %}"
        },
    )
    try:
        _build(hostile)
    except ScenarioError:
        pass
    assert any(fresh_cache.rglob("*.cache"))
    plain = _build()
    assert b"<html" in plain["index.html"]


def test_an_odd_home_gets_no_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SCENDSL_CACHE_DIR")  # the caches in the home folder
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "nonexistent"))
    assert loader.bytecode_cache("markdown") is None
    assert not (tmp_path / "nonexistent").exists()
    monkeypatch.setenv("HOME", "")
    assert loader.bytecode_cache("markdown") is None


def test_user_templates_cannot_replace_the_html_page_or_its_styles(tmp_path, fresh_cache):
    folder = _folder(
        tmp_path,
        {
            "page.html.j2": "<script>alert(1)</script>",
            "style.css": "</style><script>alert(2)</script><style>",
        },
    )
    files = _build(folder)
    for name, data in files.items():
        if name.endswith(".html"):
            assert b"<script" not in data, name


def test_compiling_a_huge_template_is_stopped_by_the_budget(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.2)
    monkeypatch.setattr(sandbox, "ALARM_GRACE", 0.1)
    macros = "".join(f"{{% macro m{i}() %}}{{{{ {i} }}}}{{% endmacro %}}" for i in range(20000))
    message = _refused(_folder(tmp_path, {"index.md.j2": macros}))
    assert "index.md.j2" in message and "longer than" in message


def test_a_macro_buffer_is_bounded_by_the_loop_item_limit(tmp_path, fresh_cache):
    body = (
        "{% macro m() %}{% for i in range(10000) %}{% for j in range(10000) %}x"
        "{% endfor %}{% endfor %}{% endmacro %}{{ m()|length }}"
    )
    message = _refused(_folder(tmp_path, {"index.md.j2": body}))
    assert "loops went through more than" in message and "index.md.j2:1" in message


def test_bidi_controls_in_user_text_do_not_reach_the_pages():
    assert render.clean_text("a\u202eb\u2066c\u200fd") == "abcd"


def test_placeholder_characters_in_a_template_are_refused(tmp_path, fresh_cache):
    message = _refused(_folder(tmp_path, {"index.md.j2": "x\n\ue0000\ue001\n"}))
    assert "index.md.j2:2" in message and "private-use" in message
