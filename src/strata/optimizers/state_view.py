"""An optimizer's state seen as Keras's list of optimizer variables.

strata keeps an optimizer's state as one pytree (``{"iterations", "learning_rate", "slots",
"extra"}``) that compiled steps take and return. Keras code sees a list of variables instead:
``[iteration, learning_rate]`` (no learning rate with a schedule), the per-weight slots
interleaved per weight, the rule's scalar slots, then variables added with `add_variable`. An
*address* names one entry of that list; `StateVariable` is a `Variable` whose value lives at its
address in the optimizer's state, so assigning to it changes the state.

Example:
    >>> import numpy as np
    >>> import strata
    >>> w = strata.Variable(np.ones(2), name="w")
    >>> opt = strata.optimizers.Adam(name="adam")
    >>> opt.build([w])
    >>> [v.path for v in opt.variables]
    ['adam/iteration', 'adam/learning_rate', 'adam/w_momentum', 'adam/w_velocity']
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.state.variable import Variable, _uids


def addresses(optimizer) -> list[tuple]:
    """The address of each of Keras's optimizer variables, in Keras's order."""
    head = [("iterations",)]
    if optimizer._schedule is None:
        head.append(("learning_rate",))
    state = optimizer.state
    if state is None:
        return head
    slots = []
    rule_state = _rule_state(state)
    if rule_state is not None:
        for group in optimizer.slot_groups:
            present = [name for name in group if name in rule_state]
            for i in range(len(optimizer._variables)):
                slots.extend(("slot", name, i) for name in present)
        slots.extend(("scalar", name) for name in optimizer.scalar_slots)
    extra = [("extra", i) for i in range(len(state.get("extra", ())))]
    return head + slots + extra


def _rule_state(state):
    slots = state.get("slots")
    return slots[-1] if slots else None


def read(state, address):
    """The value at `address` in `state`."""
    kind = address[0]
    if kind in ("iterations", "learning_rate"):
        return state[kind]
    if kind == "slot":
        return _rule_state(state)[address[1]][address[2]]
    if kind == "scalar":
        return _rule_state(state)[address[1]]
    return state["extra"][address[1]]


def write(state, address, value, scalar_slots=()):
    """A copy of `state` with `value` at `address` (containers on the way copied, not changed).

    Values are copied (`jnp.array`): the engine donates state buffers, so none may be shared.

    Setting ``iterations`` also sets the rules' private step counters, which equal it (but not
    `scalar_slots`, such as Nadam's ``u_product``, which are real state).
    """
    state = dict(state)
    kind = address[0]
    if kind in ("iterations", "learning_rate"):
        state[kind] = jnp.array(value, state[kind].dtype)
        if kind == "iterations" and state.get("slots"):
            rule_state = dict(_rule_state(state))
            for name, current in rule_state.items():
                if not isinstance(current, list) and name not in scalar_slots:
                    rule_state[name] = jnp.array(value, jnp.asarray(current).dtype)
            state["slots"] = _replace_last(state["slots"], rule_state)
        return state
    if kind in ("slot", "scalar"):
        rule_state = dict(_rule_state(state))
        if kind == "slot":
            entries = list(rule_state[address[1]])
            entries[address[2]] = jnp.array(value, entries[address[2]].dtype)
            rule_state[address[1]] = entries
        else:
            current = rule_state[address[1]]
            rule_state[address[1]] = jnp.array(value, jnp.asarray(current).dtype)
        state["slots"] = _replace_last(state["slots"], rule_state)
        return state
    extra = list(state["extra"])
    extra[address[1]] = jnp.array(value, extra[address[1]].dtype)
    state["extra"] = extra
    return state


def _replace_last(slots, rule_state):
    items = list(slots)
    items[-1] = rule_state
    return type(slots)(items)


def values_of(optimizer, state) -> list:
    """Keras's list of optimizer variable values for `state`."""
    return [read(state, address) for address in addresses(optimizer)]


def state_from(optimizer, values) -> dict:
    """`optimizer.state` with each of Keras's optimizer variables set from `values` (pure)."""
    state = optimizer.state
    for address, value in zip(addresses(optimizer), values):
        state = write(state, address, value, optimizer.scalar_slots)
    return state


class StateVariable(Variable):
    """A `Variable` whose value is one entry of an optimizer's state (see the module doc)."""

    def __init__(self, optimizer, address, name: str):
        self._optimizer = optimizer
        self._address = address
        self.name = name
        self.path = f"{optimizer.name}/{name}"
        self.trainable = False
        self.autocast = False
        self.aggregation = "none"
        self.synchronization = "auto"
        self.uid = next(_uids)

    @property
    def _value(self):
        optimizer = self._optimizer
        if optimizer.state is None:
            return optimizer.initial_value(self._address)
        return read(optimizer.state, self._address)

    @_value.setter
    def _value(self, value) -> None:
        optimizer = self._optimizer
        if optimizer.state is None:
            raise ValueError(
                f"Optimizer '{optimizer.name}' is not built, so its variable '{self.path}' "
                "cannot be assigned. Call `optimizer.build(trainable_variables)` first."
            )
        optimizer.state = write(optimizer.state, self._address, value, optimizer.scalar_slots)


def view_name(optimizer, address) -> str:
    """Keras's name of the optimizer variable at `address`."""
    kind = address[0]
    if kind == "iterations":
        return "iteration"
    if kind == "learning_rate":
        return "learning_rate"
    if kind == "slot":
        variable = optimizer._variables[address[2]]
        return f"{variable.path.replace('/', '_')}_{address[1]}"
    if kind == "scalar":
        return address[1]
    return optimizer._extra_names[address[1]]
