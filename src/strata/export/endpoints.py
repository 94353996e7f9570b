"""Endpoints as pure functions of ``(weights, *inputs)``: the tracked variables are bound to the
given weight values while the endpoint's Python function runs (as `Model.stateless_call` does)."""

from __future__ import annotations

from strata.state import scope as state_scope


def tracked_variables(resources) -> list:
    """Every variable of the tracked layers and models, each once, in tracking order."""
    seen, variables = set(), []
    for resource in resources:
        for variable in resource.weights:
            if variable.uid not in seen:
                seen.add(variable.uid)
                variables.append(variable)
    return variables


def pure(fn, variables, treedef):
    """``(weights, *flat_inputs) -> outputs``: `fn` run on the inputs rebuilt from `treedef`, with
    `variables` reading `weights`."""

    def run(weights, *flat_inputs):
        args = treedef.unflatten(flat_inputs)
        with state_scope.StateScope(list(zip(variables, weights))):
            return fn(*args)

    return run
