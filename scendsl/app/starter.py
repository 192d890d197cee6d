"""`scendsl new`: a commented starter scenario, written to a new file and never over one."""

from __future__ import annotations

import os

from scendsl.errors import ScendslError
from scendsl.terminal import visible_path


class StarterFileError(ScendslError):
    """The starter's file exists already, or cannot be written."""


def new_scenario(
    name: str,
    output: str | None,
    base: str | None = None,
    accelerator: str | None = None,
    region: str | None = None,
    inline: bool = False,
) -> tuple[str, str]:
    """The starter scenario `name` and where it goes (`output`, default NAME.scn; "-" for
    standard output, which is the caller's to write). A file is written only if none is there
    (raises StarterFileError otherwise); the language's own checks raise ScenarioError."""
    from scendsl.language.starter import check_name, new_text

    if output is None:
        from scendsl.files import windows_device_name

        output = f"{check_name(name)}.scn"
        if windows_device_name(output):
            # The briefing's page is renamed (`scenario-CON.md`); a file the user will keep
            # and share is theirs to name.
            raise StarterFileError(
                f"'{output}' names a device on Windows (as con, nul, com1 do, whatever "
                f"follows them); give the file another name, e.g. -o my_{output}"
            )
    if output != "-" and os.path.lexists(output):
        raise StarterFileError(
            f"'{visible_path(output)}' exists; scendsl new never overwrites a file"
        )
    text = new_text(
        name,
        output=output if output != "-" else f"{name}.scn",
        base=base,
        accelerator=accelerator,
        region=region,
        inline=inline,
    )
    if output == "-":
        return text, output
    from scendsl.files import create_file, reason

    try:
        create_file(output, text.encode("utf-8"))  # whole or not at all, never over a file
    except FileExistsError:
        raise StarterFileError(
            f"'{visible_path(output)}' exists; scendsl new never overwrites a file"
        ) from None
    except OSError as error:
        raise StarterFileError(f"cannot write '{visible_path(output)}': {reason(error)}") from None
    return text, output
