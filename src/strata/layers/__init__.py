"""Layers (public names only)."""

from strata.layers.core.activation import Activation
from strata.layers.core.dense import Dense
from strata.layers.core.dropout import Dropout
from strata.layers.input_layer import Input, InputLayer
from strata.layers.layer import Layer
from strata.layers.merging.concatenate import Concatenate, concatenate
from strata.layers.merging.elementwise import (
    Add,
    Average,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    maximum,
    minimum,
    multiply,
    subtract,
)
from strata.layers.reshaping.flatten import Flatten
from strata.layers.reshaping.reshape import Reshape
from strata.layers.rnn.lstm import LSTM

__all__ = [
    "Layer",
    "Input",
    "InputLayer",
    "Dense",
    "Activation",
    "Dropout",
    "Flatten",
    "Reshape",
    "Concatenate",
    "concatenate",
    "Add",
    "add",
    "Subtract",
    "subtract",
    "Multiply",
    "multiply",
    "Average",
    "average",
    "Maximum",
    "maximum",
    "Minimum",
    "minimum",
    "LSTM",
]
