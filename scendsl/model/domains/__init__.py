"""The domains of the shared model, one module each; importing this registers every node.

Order matters: a module may only use nodes declared by the modules before it.
"""

# Kept in registration order (see above), not sorted.
# isort: off
from scendsl.model.domains import inputs  # noqa: F401
from scendsl.model.domains import server  # noqa: F401
from scendsl.model.domains import workload  # noqa: F401
from scendsl.model.domains import performance  # noqa: F401
from scendsl.model.domains import parallel_layout  # noqa: F401
from scendsl.model.domains import memory  # noqa: F401
from scendsl.model.domains import step_time  # noqa: F401
from scendsl.model.domains import crosscheck  # noqa: F401
from scendsl.model.domains import reliability  # noqa: F401
from scendsl.model.domains import energy_supply  # noqa: F401
from scendsl.model.domains import energy  # noqa: F401
from scendsl.model.domains import market  # noqa: F401
from scendsl.model.domains import export_control  # noqa: F401
from scendsl.model.domains import divide  # noqa: F401
from scendsl.model.domains import scaling  # noqa: F401
from scendsl.model.domains import risk  # noqa: F401

# isort: on
from scendsl.model.registry import REGISTRY

REGISTRY.check()
