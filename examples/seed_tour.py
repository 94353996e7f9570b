"""A tour of the seed tutorial's models, trained with strata on the CPU.

Each section is the tutorial's code with `tensorflow.keras` replaced by `strata`, plus synthetic
data so that every model actually trains. Run it with::

    python examples/seed_tour.py
"""

import warnings

import numpy as np

from strata import optimizers
from strata.layers import LSTM, Dense, Input, concatenate
from strata.models import Model, Sequential
from strata.utils import set_random_seed

# The tutorial uses tf.keras-2 spellings (`input_dim=`, `lr=`); strata accepts them with a warning.
warnings.simplefilter("ignore", DeprecationWarning)
warnings.simplefilter("ignore", UserWarning)

set_random_seed(0)
rng = np.random.default_rng(0)


def section(title: str) -> None:
    print(f"\n{'=' * 8} {title} {'=' * (70 - len(title))}")


section("In [2] Sequential softmax regression (Dense(3, input_dim=4))")
model = Sequential()
model.add(Dense(3, input_dim=4, activation="softmax"))
model.summary()
features = rng.normal(size=(150, 4)).astype("float32")
labels = np.argmax(features[:, :3] + 0.1 * rng.normal(size=(150, 3)), axis=1)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(features, labels, epochs=40, batch_size=16, verbose=0)
print(f"accuracy after 40 epochs: {history.history['accuracy'][-1]:.3f}")

section("In [4] fully connected network, Input(shape=10)")
inputs = Input(shape=10)
hidden1 = Dense(64, activation="relu")(inputs)
hidden2 = Dense(64, activation="relu")(hidden1)
output = Dense(1, activation="sigmoid")(hidden2)
model = Model(inputs=inputs, outputs=output)
# The tutorial compiles with categorical_crossentropy on one sigmoid unit, which Keras (and
# strata) compute as ~0. Binary cross-entropy is the loss this model needs, so it trains here.
model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
model.summary()
x10 = rng.normal(size=(1000, 10)).astype("float32")
y10 = (x10[:, :5].sum(axis=1) > 0).astype("float32")
model.fit(x10, y10, epochs=5, batch_size=32, validation_split=0.2, verbose=2)

section("In [6] linear regression on Python lists, SGD(lr=0.01), 300 epochs")
X = [1, 2, 3, 4, 5, 6, 7, 8, 9]
y = [11, 22, 33, 44, 53, 66, 77, 87, 95]
inputs = Input(shape=(1,))
output = Dense(1, activation="linear")(inputs)
linear_model = Model(inputs, output)
sgd = optimizers.SGD(lr=0.01)
linear_model.compile(optimizer=sgd, loss="mse", metrics=["mse"])
history = linear_model.fit(X, y, epochs=300, verbose=0)
losses = history.history["loss"]
print(f"loss: epoch 1 {losses[0]:.2f} -> epoch 300 {losses[-1]:.4f}")
print(
    f"predicted score after 9.5 hours of study: {linear_model.predict([9.5], verbose=0)[0, 0]:.2f}"
)

section("In [7] logistic regression, Input(shape=(3,))")
inputs = Input(shape=(3,))
output = Dense(1, activation="sigmoid")(inputs)
logistic_model = Model(inputs, output)
x3 = rng.normal(size=(500, 3)).astype("float32")
y3 = (x3 @ np.array([1.5, -2.0, 0.5]) > 0).astype("float32")
logistic_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = logistic_model.fit(x3, y3, epochs=30, verbose=0)
print(f"accuracy after 30 epochs: {history.history['accuracy'][-1]:.3f}")

section("In [10] two inputs, sub-models joined with concatenate")
inputA = Input(shape=(64,))
inputB = Input(shape=(128,))
x = Dense(16, activation="relu")(inputA)
x = Dense(8, activation="relu")(x)
x = Model(inputs=inputA, outputs=x)
y = Dense(64, activation="relu")(inputB)
y = Dense(32, activation="relu")(y)
y = Dense(8, activation="relu")(y)
y = Model(inputs=inputB, outputs=y)
result = concatenate([x.output, y.output])
z = Dense(2, activation="relu")(result)
z = Dense(1, activation="linear")(z)
model = Model(inputs=[x.input, y.input], outputs=z)
model.summary()
xa = rng.normal(size=(2000, 64)).astype("float32")
xb = rng.normal(size=(2000, 128)).astype("float32")
target = xa[:, :4].sum(axis=1) - xb[:, :4].sum(axis=1)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit([xa, xb], target, epochs=5, batch_size=32, verbose=1)

section("In [11] LSTM over 50 time steps")
inputs = Input(shape=(50, 1))
lstm_layer = LSTM(10)(inputs)
x = Dense(10, activation="relu")(lstm_layer)
output = Dense(1, activation="sigmoid")(x)
model = Model(inputs=inputs, outputs=output)
model.summary()
sequences = rng.normal(size=(2000, 50, 1)).astype("float32")
rising = (sequences[:, -10:, 0].mean(axis=1) > 0).astype("float32")
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(sequences, rising, epochs=5, batch_size=32, validation_split=0.2, verbose=2)
print("\nThe tour is complete.")
