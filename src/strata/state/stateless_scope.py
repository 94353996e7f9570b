"""`StatelessScope`: Keras's public scope for running layers on values held outside variables.

Inside the block each mapped variable reads its mapped value, and assignments to any variable
are collected in the scope instead of being stored, so the variables are unchanged afterwards;
`get_current_value` returns what a variable was last assigned (or its mapped value). Losses
added by layers are collected in `losses`.

Example:
    >>> import numpy as np
    >>> from strata.state.variable import Variable
    >>> v = Variable(np.zeros(2))
    >>> with StatelessScope(state_mapping=[(v, np.ones(2))]) as scope:
    ...     v.assign(v.value + 1)
    >>> scope.get_current_value(v).tolist(), v.numpy().tolist()
    ([2.0, 2.0], [0.0, 0.0])
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.state.scope import StateScope
from strata.state.variable import Variable


class StatelessScope(StateScope):
    """Map variables to values and collect their assignments for the duration of a block.

    Args:
        state_mapping: pairs ``(Variable, value)``; each value must have its variable's shape.
        collect_losses: accepted for Keras compatibility; added losses are always collected in
            `losses`.
        initialize_variables: accepted for Keras compatibility (variables created in the block
            are initialized at once).
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        bindings = []
        for variable, value in state_mapping or ():
            if not isinstance(variable, Variable):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: all keys in argument "
                    f"`mapping` must be Variable instances. Received instead: {variable!r}"
                )
            value = jnp.asarray(value, dtype=variable.dtype)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    "Invalid variable value in StatelessScope: all values in argument `mapping` "
                    "must be tensors with a shape that matches the corresponding variable shape. "
                    f"For variable {variable!r}, received invalid value with shape "
                    f"{tuple(value.shape)}."
                )
            bindings.append((variable, value))
        super().__init__(bindings)
        self.collect_losses = bool(collect_losses)
        self.initialize_variables = bool(initialize_variables)

    def tracks(self, var) -> bool:
        # Every assignment inside a stateless scope is collected, mapped variable or not.
        return True

    def get_current_value(self, variable):
        """The value `variable` was last assigned in the scope, else its mapped value, else
        None."""
        return self.lookup(variable)

    def add_loss(self, loss) -> None:
        self.losses.append(loss)
