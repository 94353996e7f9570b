"""Layers (public names only)."""

from strata.layers.conv.conv import Conv1D, Conv2D, Conv3D
from strata.layers.conv.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from strata.layers.conv.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from strata.layers.conv.separable_conv import SeparableConv1D, SeparableConv2D
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
from strata.layers.pooling.average_pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
)
from strata.layers.pooling.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from strata.layers.pooling.max_pooling import MaxPooling1D, MaxPooling2D, MaxPooling3D
from strata.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from strata.layers.reshaping.flatten import Flatten
from strata.layers.reshaping.permute import Permute
from strata.layers.reshaping.repeat_vector import RepeatVector
from strata.layers.reshaping.reshape import Reshape
from strata.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from strata.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
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
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "SeparableConv1D",
    "SeparableConv2D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Permute",
    "RepeatVector",
]
