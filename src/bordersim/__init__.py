"""bordersim: an agent-based model of the Qa'im (Iraq) - Bukamal (Syria) border zone.

>>> import bordersim
>>> result = bordersim.run(overrides=["seed=1", "days=90"])
>>> result.daily.head(); result.summary["outcomes"]["is_members_end"]
"""

from bordersim.config import compose_config, resolve
from bordersim.errors import ConfigError
from bordersim.model import BorderModel
from bordersim.run import RunResult, run

__all__ = ["BorderModel", "ConfigError", "RunResult", "compose_config", "resolve", "run"]
