"""The server: how many accelerators one holds, and the scale-up fabric they share.

A server's size decides two things the model prices. Its host CPUs are shared by its
accelerators (two CPUs for eight GPUs in a DGX H100, two for four in an HPE Cray XD665), so the
host power per accelerator follows the count (energy domain). And an NVLink board of up to
eight GPUs sits inside one server: a four-GPU HGX board or HPC blade node joins four GPUs, so
tensor parallelism, and every exchange placed on the scale-up fabric, stops at four there
(the layout ladder reads `accelerator.scaleup_domain` for its bound). Domains larger than the
largest board (NVL72 racks, TPU pods) join servers by their own switches and are not bounded.
"""

from __future__ import annotations

from scendsl.model.context import Context, Found
from scendsl.model.registry import input_node

#: The field a scenario writes its servers' size in.
FIELD = "cluster.accelerators_per_server"


@input_node(
    FIELD,
    "number",
    "Accelerators one server (node) holds: they share its host CPUs and, on a board of up to "
    "eight, its scale-up fabric",
    formula="scenario cluster.accelerators_per_server, else by the server design "
    "(cluster.server): blade calibration.blade_accelerators_per_server, workstation "
    "calibration.workstation_accelerators, dgx the accelerator's scale-up domain where it is "
    "a board smaller than calibration.gpu_server_accelerators (GH200's four-superchip node), "
    "else calibration.gpu_server_accelerators (the 8-GPU HGX/DGX board)",
    inputs=("cluster.accelerator", "cluster.server"),
)
def _accelerators_per_server(ctx: Context) -> Found:
    return accelerators_per_server(ctx)


def accelerators_per_server(ctx: Context) -> Found:
    """The accelerators one of the scenario's servers holds: written, else the server design's
    (an HPC blade's four, a workstation's four, an 8-GPU HGX board, or a smaller scale-up board
    that is the whole node)."""
    if ctx.field(FIELD) is not None:
        return ctx.scenario_value(FIELD)
    design = ctx.scenario_or_choice("cluster.server").value
    if design == "blade":
        return _by_design(ctx.calibration("blade_accelerators_per_server"), design)
    if design == "workstation":
        return _by_design(ctx.calibration("workstation_accelerators"), design)
    board = ctx.calibration("gpu_server_accelerators")
    domain = _domain_figure(ctx)
    if domain is not None and 2 <= domain.value < board.value:
        return Found(
            domain.value,
            f"accelerator scale-up domain ({domain.origin}): a board smaller than the "
            f"{board.value:g}-GPU server's is the node",
            domain.source,
            domain.confidence,
            domain.note,
        )
    return _by_design(board, design)


def _by_design(found: Found, design: str) -> Found:
    return Found(
        found.value,
        f"{found.origin}, server {design} ({FIELD} not written)",
        found.source,
        found.confidence,
        found.note,
    )


def _domain_figure(ctx: Context) -> Found | None:
    try:
        return ctx.accelerator_figure("scaleup_domain")
    except LookupError:
        return None


@input_node(
    "accelerator.scaleup_domain",
    "number",
    "Accelerators one scale-up fabric joins (NVLink, Infinity Fabric, ICI), as the scenario's "
    "servers hold them",
    formula="the accelerator's scaleup_domain (catalog or accelerator block); where it is a "
    "board (no larger than calibration.gpu_server_accelerators), at most "
    "cluster.accelerators_per_server: a four-GPU server's NVLink joins four",
    inputs=("cluster.accelerators_per_server",),
)
def _scaleup_domain(ctx: Context) -> Found:
    figure = ctx.accelerator_figure("scaleup_domain")
    board = ctx.calibration("gpu_server_accelerators")
    if figure.value > board.value:
        return figure  # a rack or pod: its switches join servers
    servers = accelerators_per_server(ctx)
    if servers.value >= figure.value:
        return figure
    return Found(
        servers.value,
        f"derived: cluster.accelerators_per_server ({servers.origin}), below the "
        f"accelerator's scale-up domain ({figure.value:g}, {figure.origin})",
        servers.source,
        servers.confidence,
        f"a server of {servers.value:g} joins only its own {servers.value:g} accelerators by "
        "its scale-up fabric (a four-GPU HGX board links its GPUs directly, without NVSwitch)",
    )
