"""`Config`: a dict whose keys are also attributes, that can be frozen against changes."""

from __future__ import annotations

import json


class Config:
    """Settings readable as ``config.key`` or ``config["key"]``.

    Example:
        >>> config = Config(learning_rate=0.1)
        >>> config.units = 8
        >>> config["units"], config.as_dict()
        (8, {'learning_rate': 0.1, 'units': 8})
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        """Reject every later change."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self) -> None:
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self) -> dict:
        return dict(self._config)

    def to_json(self) -> str:
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check_mutable()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_mutable()
        return self._config.update(*args, **kwargs)

    def __getattr__(self, name):
        config = self.__dict__.get("_config", {})
        if name in config:
            return config[name]
        raise AttributeError(f"Unknown attribute: '{name}'.")

    def __setattr__(self, name, value):
        self._check_mutable()
        self._config[name] = value

    def __delattr__(self, name):
        self._check_mutable()
        del self._config[name]

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check_mutable()
        self._config[key] = value

    def __delitem__(self, key):
        self._check_mutable()
        del self._config[key]

    def __contains__(self, key) -> bool:
        return key in self._config

    def __len__(self) -> int:
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"
