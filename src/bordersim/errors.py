"""Errors a user can cause and fix: each names the config key, what was wrong, what is allowed."""


class ConfigError(ValueError):
    """A bad value in a config: carries the dotted key, the problem and what is allowed."""

    def __init__(self, key: str, problem: str, allowed: str = "") -> None:
        self.key, self.problem, self.allowed = key, problem, allowed
        text = f"{key}: {problem}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)
