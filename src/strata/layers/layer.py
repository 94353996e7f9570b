"""`Layer`: configuration in `__init__`, weights in `build`, pure math in `call`.

Calling a layer on symbolic tensors (functional API) builds it from the input shapes, infers the
output shapes and records a `Node`. Calling it on arrays runs `call` directly; inside a compiled
step the weights it reads come from the active `StateScope`.
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from strata import constraints as strata_constraints
from strata import initializers as strata_initializers
from strata import regularizers as strata_regularizers
from strata.graph.node import Node
from strata.graph.symbolic import SymbolicTensor, is_symbolic
from strata.layers import foreign_ops
from strata.layers.added_metrics import AddMetricMixin
from strata.layers.call_arguments import first_argument_by_keyword
from strata.layers.extension_points import (
    LayerExtensionPoints,
    check_base_options,
    check_weight_options,
    weight_args,
)
from strata.layers.input_spec import assert_input_compatibility
from strata.mixed_precision import policy as mixed_precision_policy
from strata.mixed_precision.serialized import dtype_from_policy, dtype_policy
from strata.saving.weight_budget import charge_weight_budget as _charge_weight_budget
from strata.state import carried_masks, eager_arrays, name_scope  # noqa: F401 - .numpy() on outputs
from strata.state import scope as state_scope
from strata.state.variable import Variable
from strata.utils.naming import to_snake_case, unique_name

# Bumped whenever any layer gains a weight or sublayer or changes `trainable`, so code that
# caches a model's variable lists (the compiled-call path) knows when to look again.
STRUCTURE = {"version": 0}

# Sizes substituted for unknown dimensions when output shapes are inferred by tracing: two
# different primes, so a dimension that follows them is recognisably "unknown" in the output.
_PROBE_SIZES = (83, 89)


class Layer(AddMetricMixin, LayerExtensionPoints):
    """Base class of every layer (and, through `Model`, of every model).

    Args:
        name: unique name within a model; derived from the class name when omitted.
        trainable: whether `fit` updates this layer's weights.
        dtype: dtype of the weights and of the computation (default ``"float32"``).
        activity_regularizer: accepted as None only (Keras writes it into custom layers'
            configs); layers that support one take it as their own argument.
        autocast: whether float weights are read in the compute dtype under a mixed policy.
        input_shape / input_dim / batch_size: legacy tf.keras arguments; in a `Sequential` model
            they declare the model's input (with a deprecation warning).

    Example:
        >>> import numpy as np
        >>> class Double(Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> Double()(np.ones((1, 2))).tolist()
        [[2.0, 2.0]]
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        trainable: bool = True,
        dtype=None,
        input_shape=None,
        input_dim=None,
        batch_size=None,
        batch_input_shape=None,
        activity_regularizer=None,
        autocast=True,
        **unknown,
    ):
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) {sorted(unknown)}. "
                "Check the spelling against the layer's documented arguments."
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string; received name={name!r}.")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype_policy = mixed_precision_policy.get(dtype)
        # As in Keras, `dtype` is the weights' dtype; `compute_dtype` the one `call` works in.
        self.dtype = self.dtype_policy.variable_dtype
        self.compute_dtype = self.dtype_policy.compute_dtype
        self.built = False
        self._own_variables: list[Variable] = []
        # Values a layer carries from one call to the next that are not weights (the states of
        # a stateful recurrent layer): part of the compiled state, never saved.
        self._own_carried: list[Variable] = []
        self._sublayers: list[Layer] = []
        self._inbound_nodes: list[Node] = []
        self._losses: list = []
        self._regularized: list = []
        self.supports_masking = False
        self._declared_input_shape = _legacy_input_shape(
            type(self).__name__, input_shape, input_dim, batch_input_shape
        )
        self._declared_batch_size = batch_size
        if batch_input_shape is not None:
            self._declared_batch_size = batch_input_shape[0]
        check_base_options(type(self).__name__, activity_regularizer)
        self.autocast = bool(autocast)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    # ---- attribute tracking -------------------------------------------------------------
    # Attributes that hold graph bookkeeping, not the layer's own sublayers.
    _untracked = frozenset({"_sublayers", "_inbound_nodes", "_graph_layers", "_graph_nodes"})

    def __setattr__(self, key, value):
        if key not in self._untracked:
            for item in value if isinstance(value, list | tuple) else (value,):
                if isinstance(item, Layer) and item is not self:
                    sublayers = self.__dict__.get("_sublayers")
                    if sublayers is not None and item not in sublayers:
                        sublayers.append(item)
                        STRUCTURE["version"] += 1
        object.__setattr__(self, key, value)

    # ---- weights --------------------------------------------------------------------------
    def add_weight(
        self,
        *args,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ) -> Variable:
        """Create a weight owned by this layer (Keras 3's signature).

        Args:
            shape: tuple of ints (default ``()``); may be given positionally, as may
                `initializer` and `dtype` (Keras's legacy order).
            initializer: name, `Initializer`, or callable ``(shape, dtype) -> array``; default
                ``"glorot_uniform"`` for float weights, ``"zeros"`` otherwise.
            dtype: defaults to the layer's dtype.
            trainable: whether the optimizer updates it.
            autocast: whether a mixed-precision layer reads it in its compute dtype.
            regularizer: name, `Regularizer` or callable ``weight -> scalar`` added to the loss.
            constraint: name, `Constraint` or callable applied to the weight after each update.
            aggregation: Keras's multi-replica hint (``"none"``, ``"mean"``, ``"sum"``,
                ``"only_first_replica"``); recorded on the variable.
            overwrite_with_gradient: not supported (must be False).
            name: short name (``"kernel"``); the variable's path is ``"<layer path>/<name>"``.
        """
        shape, initializer, dtype = weight_args(args, shape, initializer, dtype)
        shape = tuple(int(d) for d in shape)
        dtype = _dtype_name(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = strata_initializers.get(initializer)
        regularizer = strata_regularizers.get(regularizer)
        constraint = strata_constraints.get(constraint)
        check_weight_options(aggregation, overwrite_with_gradient)
        name = name or f"variable_{len(self._own_variables)}"
        _charge_weight_budget(self.name, name, shape, dtype)
        # Weights may be created while a model is being traced (a subclassed model's sublayers
        # build on first call); the initial value must still be a concrete array.
        with jax.ensure_compile_time_eval():
            value = init(shape, dtype)
        variable = Variable(value, name=name, trainable=trainable, dtype=dtype)
        self.__dict__.setdefault("_path", name_scope.prefixed(self.name))
        variable.path = f"{self._path}/{name}"
        variable.autocast = bool(autocast)
        variable.aggregation = aggregation or "none"
        variable.regularizer = regularizer
        variable.constraint = constraint
        self._own_variables.append(variable)
        STRUCTURE["version"] += 1
        if regularizer is not None:
            self._regularized.append((variable, regularizer))
        return variable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras, freezing (or unfreezing) a layer does the same to every layer inside it,
        # so e.g. a BatchNormalization in a frozen model runs in inference mode.
        STRUCTURE["version"] += 1
        self._trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    @property
    def weights(self) -> list[Variable]:
        """All weights: own trainable, own non-trainable, then each sublayer's (no duplicates)."""
        own = [v for v in self._own_variables if v.trainable] + [
            v for v in self._own_variables if not v.trainable
        ]
        return _dedupe(own + [w for layer in self._sublayers for w in layer.weights])

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [v for v in self._own_variables if v.trainable]
        return _dedupe(own + [w for layer in self._sublayers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        own = [v for v in self._own_variables if not v.trainable]
        return _dedupe(own + [w for layer in self._sublayers for w in layer.non_trainable_weights])

    @property
    def carried_state(self) -> list[Variable]:
        """Variables carried from call to call that are not weights (e.g. the states of a
        stateful `LSTM`), this layer's and its sublayers'. Training, evaluation and prediction
        update them; saving leaves them out, as Keras does."""
        own = list(self.__dict__.get("_own_carried", ()))
        return _dedupe(own + [v for layer in self._sublayers for v in layer.carried_state])

    def reset_states(self) -> None:
        """Zero the carried state of this layer and every layer inside it (tf.keras 2's
        `Model.reset_states`; Keras 3 spells it `reset_state` on the recurrent layer)."""
        for variable in self.carried_state:
            variable.assign(jnp.zeros(variable.shape, variable.dtype))

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Assign arrays to `self.weights`, in order, checking count and shapes."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expects {len(own)} weight arrays "
                f"({[w.path for w in own]}), but received {len(weights)}."
            )
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{variable.path}' has shape {variable.shape}, "
                    f"but the array given for it has shape {tuple(value.shape)}."
                )
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so it has no weights to count. Call it on "
                "an input (or call `build(input_shape)`) first."
            )
        return int(sum(np.prod(w.shape, dtype=np.int64) for w in self.weights))

    @property
    def losses(self) -> list:
        """Losses added by `add_loss` and weight regularizers (eager values)."""
        own = list(self._losses) + [reg(v.value) for v, reg in self._regularized]
        return own + [loss for layer in self._sublayers for loss in layer.losses]

    def _clear_added_losses(self) -> None:
        self._losses.clear()
        for layer in self._sublayers:
            layer._clear_added_losses()

    def add_loss(self, loss) -> None:
        """Add a scalar to the training loss (call from `call`)."""
        active = state_scope.current()
        if active is not None:
            active.losses.append(loss)
        else:
            self._losses.append(loss)

    # ---- the three phases -------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the weights for inputs of `input_shape`; the default creates none."""

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not define `call`.")

    def compute_output_shape(self, input_shape):
        """Output shape(s) for an input shape; inferred by tracing `call` unless overridden."""
        spec = self.compute_output_spec(_spec_from_shape(input_shape, self.dtype))
        return jax.tree_util.tree_map(lambda t: t.shape, spec)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs for symbolic inputs.

        Uses `compute_output_shape` when a subclass defines it; otherwise traces `call` with
        `jax.eval_shape` twice, with two different sizes for each unknown dimension, and marks the
        output dimensions that changed as unknown.
        """
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = jax.tree_util.tree_map(lambda t: t.shape, args[0])
            out_shape = self.compute_output_shape(shapes)
            return _specs_from_shapes(out_shape, self._output_dtype(args[0]))
        probes = []
        for size in _PROBE_SIZES:

            def to_struct(x, size=size):
                if is_symbolic(x):
                    shape = tuple(size if d is None else d for d in x.shape)
                    return jax.ShapeDtypeStruct(shape, x.dtype)
                return x

            # Only symbolic tensors become abstract inputs; other arguments stay static.
            flat, treedef = jax.tree_util.tree_flatten((args, kwargs))
            structs = [to_struct(x) for x in flat]
            positions = [i for i, x in enumerate(flat) if is_symbolic(x)]

            def run(*values, structs=structs, treedef=treedef, positions=positions):
                filled = list(structs)
                for pos, value in zip(positions, values):
                    filled[pos] = value
                call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, filled)
                # Bind the layer's weights so that a `Variable.assign` in `call` (a counter, a
                # running statistic) is recorded in the scope, not stored as a tracer.
                bindings = [(v, v.value) for v in self.weights]
                with state_scope.StateScope(bindings, rng_key=jax.random.key(0)):
                    return self.call(*call_args, **call_kwargs)

            probes.append(jax.eval_shape(run, *[structs[p] for p in positions]))
        first, second = probes

        def merge(a, b):
            shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
            return SymbolicTensor(shape, str(a.dtype))

        return jax.tree_util.tree_map(merge, first, second)

    def _output_dtype(self, inputs) -> str:
        return self.compute_dtype

    # True for layers that create a mask from their inputs (Embedding with mask_zero, Masking).
    produces_mask = False

    # True for layers built on convolutions; the engine then avoids loops of steps on the CPU,
    # where XLA differentiates convolutions slowly inside loops (see engine/steps.py).
    convolves = False

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs; by default passed through when `supports_masking`."""
        return mask if self.supports_masking else None

    def _check_input(self, inputs) -> None:
        """Raise a clear error if the (symbolic or concrete) inputs cannot be handled."""

    # ---- calling -------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not args:
            args, kwargs = first_argument_by_keyword(self, kwargs)
        first = args[0]
        if any(is_symbolic(x) for x in jax.tree_util.tree_leaves((args, kwargs))):
            return self._symbolic_call(args, kwargs)
        mask = kwargs.get("mask")
        if mask is None:
            mask = carried_masks.masks_of_inputs(first)
        first = _to_array_tree(first, self.compute_dtype)
        args = (first,) + args[1:]
        assert_input_compatibility(self.input_spec, first, self.name)
        self._check_input(first)
        self._maybe_build(_shapes_of(first))
        kwargs = self._fill_call_defaults({**kwargs, "mask": mask})
        outermost = not getattr(_eager_calls, "depth", 0)
        if outermost and state_scope.current() is None:
            # As in Keras, `losses` holds what the latest call added, not every call's.
            self._clear_added_losses()
        _eager_calls.depth = getattr(_eager_calls, "depth", 0) + 1
        try:
            if self.dtype_policy.is_mixed and self.autocast:
                with state_scope.autocast(self.compute_dtype):
                    outputs = self.call(*args, **kwargs)
            else:
                outputs = self.call(*args, **kwargs)
        except (TypeError, ValueError) as err:
            foreign = foreign_ops.explain(self, err)
            if foreign is None:
                raise
            raise foreign from err
        finally:
            _eager_calls.depth -= 1
        if mask is not None or self.produces_mask:
            carried_masks.attach_to_outputs(outputs, self.compute_mask(first, mask))
        active = state_scope.current()
        if active is not None:
            for variable, regularizer in self._regularized:
                active.losses.append(regularizer(variable.value))
        return outputs

    def _symbolic_call(self, args, kwargs):
        assert_input_compatibility(self.input_spec, args[0], self.name)
        self._check_input(args[0])
        self._maybe_build(jax.tree_util.tree_map(lambda t: t.shape, args[0]))
        try:
            outputs = self.compute_output_spec(*args, **self._fill_call_defaults(kwargs))
        except (TypeError, ValueError) as err:
            if _names_layer(err, self.name):
                raise
            foreign = foreign_ops.explain(self, err)
            if foreign is not None:
                raise foreign from err
            shapes = jax.tree_util.tree_map(lambda t: t.shape, args[0])
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) cannot be called on inputs of "
                f"shape {shapes}: {err}"
            ) from err
        for i, out in enumerate(jax.tree_util.tree_leaves(outputs)):
            out.name = f"{self.name}" if i == 0 else f"{self.name}_{i}"
        Node(self, args, kwargs, outputs)
        carried_masks.attach_symbolic(self, args, kwargs, outputs)
        return outputs

    def _maybe_build(self, input_shape) -> None:
        if self.built:
            return
        self.build(input_shape)
        self.built = True
        self._build_shape = input_shape

    @functools.cached_property
    def _call_parameters(self) -> set:
        params = inspect.signature(self.call).parameters
        return set(params)

    def _fill_call_defaults(self, kwargs):
        """Drop `training`/`mask` where `call` does not take them; default `training` to False."""
        kwargs = dict(kwargs)
        for key in ("training", "mask"):
            if key in kwargs and key not in self._call_parameters:
                kwargs.pop(key)
        if "training" in self._call_parameters and kwargs.get("training") is None:
            kwargs["training"] = False
        return kwargs

    # ---- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments, in Keras 3's form.

        ``dtype`` is a serialized `DTypePolicy` and a set ``activity_regularizer`` is included,
        as Keras's base layer does; objects are serialized with `serialize_keras_object`.
        """
        from strata.saving.serialization import serialize_keras_object

        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policy(self.dtype_policy.name),
        }
        regularizer = getattr(self, "activity_regularizer", None)
        if regularizer is not None:
            config["activity_regularizer"] = serialize_keras_object(regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """The layer `get_config` describes; serialized objects in it (initializers,
        regularizers, registered functions) are resolved through `strata.saving`'s registry."""
        from strata.saving.serialization import deserialize_keras_object

        config = dict(deserialize_keras_object(dict(config)))
        if "dtype" in config:
            config["dtype"] = dtype_from_policy(config["dtype"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    @property
    def input(self):
        """The symbolic input of this layer's first call (functional API)."""
        node = self._first_node("input")
        inputs = node.args[0]
        return inputs

    @property
    def output(self):
        """The symbolic output of this layer's first call (functional API)."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on a symbolic input, so it has no "
                f"{what}. Call it on the output of `strata.Input(...)` first."
            )
        if len(self._inbound_nodes) > 1:
            warnings.warn(
                f"Layer '{self.name}' has been called {len(self._inbound_nodes)} times; "
                f"`.{what}` refers to the first call.",
                stacklevel=3,
            )
        return self._inbound_nodes[0]


# How deep this thread is in layer calls on concrete arrays (0: not inside one).
_eager_calls = threading.local()


def _marks_built(build):
    """Wrap a subclass's `build` so that calling it directly (as Keras allows) marks the layer
    built and a later call does not create the weights a second time."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if self.__dict__.get("built") and self.__dict__.get("_own_variables"):
            return None
        result = build(self, *args, **kwargs)
        self.built = True
        if args:
            self._build_shape = args[0]
        return result

    return wrapper


def _dedupe(variables):
    seen, out = set(), []
    for v in variables:
        if v.uid not in seen:
            seen.add(v.uid)
            out.append(v)
    return out


def _dtype_name(dtype) -> str:
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    return str(np.dtype(dtype)) if dtype not in ("bfloat16",) else "bfloat16"


def _legacy_input_shape(cls_name, input_shape, input_dim, batch_input_shape):
    """tf.keras's `input_shape=`/`input_dim=` arguments, as a shape without the batch axis."""
    if input_dim is not None:
        if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim <= 0:
            raise ValueError(
                f"{cls_name}: `input_dim` must be a positive int; received input_dim={input_dim!r}."
            )
        return (input_dim,)
    if batch_input_shape is not None:
        return tuple(batch_input_shape)[1:]
    if input_shape is not None:
        if isinstance(input_shape, int):
            return (input_shape,)
        return tuple(input_shape)
    return None


def _to_array_tree(x, dtype):
    """Concrete inputs as JAX arrays; float data cast to the layer's dtype."""

    def convert(value):
        if isinstance(value, Variable):
            return value.value
        if isinstance(value, jax.Array):
            array = value
        else:
            array = jnp.asarray(value)
        if jnp.issubdtype(array.dtype, jnp.floating) and array.dtype != dtype:
            array = array.astype(dtype)
        return array

    if isinstance(x, list | tuple) and x and all(isinstance(v, int | float) for v in x):
        return convert(np.asarray(x, dtype="float32"))
    return jax.tree_util.tree_map(convert, x)


def _shapes_of(x):
    return jax.tree_util.tree_map(lambda v: tuple(v.shape), x)


def _spec_from_shape(shape, dtype):
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return SymbolicTensor(shape, dtype)
    return [_spec_from_shape(s, dtype) for s in shape]


def _specs_from_shapes(shape, dtype):
    if isinstance(shape, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shape.items()}
    if isinstance(shape, tuple | list) and all(d is None or isinstance(d, int) for d in shape):
        return SymbolicTensor(tuple(shape), dtype)
    return [_specs_from_shapes(s, dtype) for s in shape]


def _names_layer(err: Exception, name: str) -> bool:
    return f"'{name}'" in str(err)
