"""Fifth hostile-input review: this round's new surfaces (context parallelism, key/value heads,
activation offload, the layout check, the table()/em()/link() template functions, subdivision
regions). Each test is named after the class of problem it pins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.app.build import render_files
from scendsl.errors import ScenarioError


def _templates(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "index.md.j2").write_text(text, encoding="utf-8")
    return folder


def _index_html(tmp_path: Path, text: str) -> str:
    files = render_files([str(SKETCH)], str(_templates(tmp_path, text)), samples=0)
    return files["index.html"].decode()


def _tags(html_text: str) -> list[str]:
    return re.findall(r'<[A-Za-z][^>"]*(?:"[^"]*"[^>"]*)*>', html_text)


# ------------------------------------------------------------- placeholders inside a tag
@pytest.mark.parametrize(
    "attack",
    [
        # A figure's token, forged from a string escape (the template holds no private-use
        # character), in a link's address.
        "[a](https://e.example/{{ '\\ue0000\\ue001' }})",
        # A real token (a table with a cell whose HTML holds a quote) put in a link's address.
        "{% set t %}{% call table('h') %}| {{ 'x*\" onmouseover=\"alert(1)' }} |{% endcall %}"
        "{% endset %}[a](https://e.example/{{ t }})",
        # The same inside a table, through raw HTML the cleaner keeps.
        "{% call table('h') %}| <a href=\"https://e.example/{{ em('x') ~ '\\ue0000\\ue001' }}\">"
        "a</a> |{% endcall %}",
        "{% call table('h') %}| {{ link('y*\" onclick=\"alert(1)', 'risk') }} |{% endcall %}\n"
        "[a](https://e.example/{{ em('x') ~ '\\ue0001\\ue001' }})",
    ],
)
def test_a_placeholder_inside_a_tag_is_not_filled_in(tmp_path, attack):
    page = _index_html(tmp_path, "# t\n\n" + attack + "\n")
    for tag in _tags(page):
        assert "onmouseover" not in tag and "onclick" not in tag, tag
        assert "<" not in tag[1:], tag
