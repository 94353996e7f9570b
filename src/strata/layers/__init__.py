"""Layers (public names only)."""

from strata.layers.attention.additive_attention import AdditiveAttention
from strata.layers.attention.attention import Attention
from strata.layers.attention.multi_head_attention import MultiHeadAttention
from strata.layers.conv.conv import Conv1D, Conv2D, Conv3D
from strata.layers.conv.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from strata.layers.conv.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from strata.layers.conv.separable_conv import SeparableConv1D, SeparableConv2D
from strata.layers.core.activation import Activation
from strata.layers.core.dense import Dense
from strata.layers.core.dropout import Dropout
from strata.layers.core.embedding import Embedding
from strata.layers.core.identity import Identity
from strata.layers.core.lambda_layer import Lambda
from strata.layers.core.masking import Masking
from strata.layers.input_layer import Input, InputLayer
from strata.layers.layer import Layer
from strata.layers.merging.concatenate import Concatenate, concatenate
from strata.layers.merging.dot import Dot, dot
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
from strata.layers.normalization.batch_normalization import BatchNormalization
from strata.layers.normalization.group_normalization import GroupNormalization
from strata.layers.normalization.layer_normalization import LayerNormalization
from strata.layers.normalization.unit_normalization import UnitNormalization
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
from strata.layers.preprocessing.category_encoding import CategoryEncoding
from strata.layers.preprocessing.hashing import Hashing
from strata.layers.preprocessing.integer_lookup import IntegerLookup
from strata.layers.preprocessing.normalization import Normalization
from strata.layers.preprocessing.rescaling import Rescaling
from strata.layers.preprocessing.string_lookup import StringLookup
from strata.layers.preprocessing.text_vectorization import TextVectorization
from strata.layers.regularization.activity_regularization import ActivityRegularization
from strata.layers.regularization.alpha_dropout import AlphaDropout
from strata.layers.regularization.gaussian_dropout import GaussianDropout
from strata.layers.regularization.gaussian_noise import GaussianNoise
from strata.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from strata.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from strata.layers.reshaping.flatten import Flatten
from strata.layers.reshaping.permute import Permute
from strata.layers.reshaping.repeat_vector import RepeatVector
from strata.layers.reshaping.reshape import Reshape
from strata.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from strata.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from strata.layers.rnn.bidirectional import Bidirectional
from strata.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from strata.layers.rnn.gru import GRU
from strata.layers.rnn.gru_cell import GRUCell
from strata.layers.rnn.lstm import LSTM
from strata.layers.rnn.lstm_cell import LSTMCell
from strata.layers.rnn.rnn import RNN
from strata.layers.rnn.simple_rnn import SimpleRNN
from strata.layers.rnn.simple_rnn_cell import SimpleRNNCell
from strata.layers.rnn.stacked_rnn_cells import StackedRNNCells
from strata.layers.rnn.time_distributed import TimeDistributed

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
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Normalization",
    "Rescaling",
    "MultiHeadAttention",
    "Attention",
    "AdditiveAttention",
    "GRU",
    "SimpleRNN",
    "RNN",
    "LSTMCell",
    "GRUCell",
    "SimpleRNNCell",
    "StackedRNNCells",
    "Bidirectional",
    "TimeDistributed",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Embedding",
    "Masking",
    "Identity",
    "Lambda",
    "Dot",
    "dot",
    "CategoryEncoding",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
    "ActivityRegularization",
    "AlphaDropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
