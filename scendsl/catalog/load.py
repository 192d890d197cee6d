"""Reading the catalog: the data files of a folder (or the package's own) into one cross-checked
`Catalog`, cached by `load_catalog()` (in the process, and across processes in the caches'
folder: `files.kept`)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
import pydantic_core
import tomli
from pydantic import BaseModel

from scendsl.catalog import model as _model
from scendsl.catalog.entries import (
    _ISO_FILE,
    _accelerators,
    _calibration,
    _country_groups,
    _energy,
    _fallback_regions,
    _frameworks,
    _market,
    _references,
    _regions,
    _vendors,
)
from scendsl.catalog.model import Catalog, CatalogError
from scendsl.catalog.rules import _export_guidance, _export_rules
from scendsl.files.kept import TOML_CLASSES, digest, kept_files_digest, kept_object
from scendsl.language.names import parse_iso_names, shipped_file

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_FILES = (
    "accelerators.toml",
    "energy.toml",
    "regions.toml",
    "market.toml",
    "references.toml",
    "calibration.toml",
    "frameworks.toml",
    "export_rules.toml",
    "country_groups.toml",
    "vendors.toml",
)


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package, read once and cached. Across processes it is kept
    whole in the caches' folder (`files.kept`), by a hash of every data file of the catalog
    and of the code that makes a catalog: validating its entries again was a twentieth of
    `scendsl check`, unpickling them a fifth of that. No cache folder: read every time."""
    kept = kept_object(_KEPT_NAME, _kept_key, _KEPT_CLASSES, _load_shipped)
    return kept if isinstance(kept, Catalog) else _load_shipped()


def _load_shipped() -> Catalog:
    # Imported here: a kept catalog needs no resource reader (importlib.resources was 2 % of
    # `scendsl check`).
    from importlib.resources import files

    return _load_from(files("scendsl.catalog"), shipped=True)


_PACKAGE = Path(__file__).resolve().parent.parent
#: One kept catalog per installed package (two installs sharing a cache folder keep theirs).
_KEPT_NAME = f"catalog-{hashlib.sha256(str(_PACKAGE).encode('utf-8', 'surrogatepass')).hexdigest()[:24]}.pickle"
#: The digest of the files a kept catalog is made from, kept by their sizes and times.
_KEPT_FILES_NAME = _KEPT_NAME.replace("catalog-", "catalog-files-", 1)
#: The code a catalog is made by: the catalog layer and the layers below it, which are all it
#: may import (pyproject's import-linter layers); test_kept_cache checks that loading the
#: catalog imports no other module of the package.
_MAKERS = (
    "__init__.py",
    "catalog",
    "language",
    "scenario.py",
    "files",
    "progress.py",
    "errors.py",
    "defaults.py",
    "suggest.py",
    "terminal.py",
    "wording.py",
)
#: What a kept catalog may be made of: the catalog's models and TOML's dates.
_KEPT_CLASSES = TOML_CLASSES | frozenset(
    (_model.__name__, name)
    for name, value in vars(_model).items()
    if isinstance(value, type)
    and issubclass(value, BaseModel)
    and value.__module__ == _model.__name__
)


def _kept_key() -> bytes:
    """What a kept catalog was made from: the data files, the code, and the libraries that
    parse and hold them."""
    data, code = _kept_sources()
    # Kept by the files' sizes and times: hashing their 3.5 MB was 5 ms of every process.
    files = (*data, *code)
    names = [os.path.relpath(path, _PACKAGE) for path in files]
    return digest(
        b"catalog",
        pydantic.VERSION,
        pydantic_core.__version__,
        tomli.__version__,
        kept_files_digest(_KEPT_FILES_NAME, files, names),
    )


@functools.cache
def _kept_sources() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every data file of the catalog folder, every source file of `_MAKERS`), sorted."""
    folder = _PACKAGE / "catalog"
    data = tuple(
        str(folder / name)
        for name in sorted(os.listdir(folder))
        if not name.endswith((".py", ".pyc")) and (folder / name).is_file()
    )
    code: list[str] = []
    for maker in _MAKERS:
        path = _PACKAGE / maker
        if path.suffix == ".py":
            code.append(str(path))
            continue
        for top, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            code += [os.path.join(top, name) for name in sorted(names) if name.endswith(".py")]
    return data, tuple(code)


# --------------------------------------------------------------------------------------------
# Loading. Every helper takes the file and entry it works on so that errors can name them.


def _load_from(directory: Traversable | Path, shipped: bool = False) -> Catalog:
    """Read and validate the data files of `directory` (a folder or package resource);
    `shipped`: it is the package's own, whose files the resolver may have parsed already."""
    directory = Path(directory) if isinstance(directory, str) else directory
    data = {name: _read(directory, name, shipped) for name in _FILES}
    accelerators = _accelerators(data["accelerators.toml"], _vendors(data["vendors.toml"]))
    country_groups = _country_groups(data["country_groups.toml"])
    regions = _regions(data["regions.toml"])
    regions.update(
        _fallback_regions(
            _read_iso(directory),
            data["regions.toml"],
            data["country_groups.toml"],
            country_groups,
            regions,
        )
    )
    calibration = _calibration(data["calibration.toml"])
    for name, accelerator in accelerators.items():
        if accelerator.node_overhead_key not in calibration:
            message = (
                f"platform {accelerator.platform!r} has no node overhead: calibration.toml "
                f"has no '{accelerator.node_overhead_key}'"
            )
            raise CatalogError("accelerators.toml", name, "platform", message)
    return Catalog(
        accelerators=accelerators,
        energy_sources=_energy(data["energy.toml"]),
        regions=regions,
        references=_references(data["references.toml"], accelerators),
        calibration=calibration,
        frameworks=_frameworks(data["frameworks.toml"], calibration),
        market=_market(data["market.toml"], accelerators),
        export_rules=_export_rules(data["export_rules.toml"], regions),
        country_groups=country_groups,
        export_guidance=_export_guidance(data["export_rules.toml"], accelerators),
    )


def _read_iso(directory: Traversable | Path) -> dict[str, str]:
    try:
        text = (directory / _ISO_FILE).read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read the file ({exc.__class__.__name__})"
        raise CatalogError(_ISO_FILE, "", "", message) from exc
    try:
        return parse_iso_names(text)
    except ValueError as exc:  # a line without a tab
        raise CatalogError(_ISO_FILE, "", "", "expected lines CODE<tab>name") from exc


def _read(directory: Traversable | Path, name: str, shipped: bool = False) -> dict[str, Any]:
    try:
        if shipped:  # parsed once per process, shared with the resolver's names
            return shipped_file(name)
        text = (directory / name).read_text(encoding="utf-8")
        return tomli.loads(text)
    except OSError as exc:
        raise CatalogError(
            name, "", "", f"cannot read the file ({exc.__class__.__name__})"
        ) from exc
    except tomli.TOMLDecodeError as exc:
        raise CatalogError(name, "", "", f"not valid TOML: {exc}") from exc
