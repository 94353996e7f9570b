"""`plot_history`: one panel per metric, training and validation curves, epochs from 1."""

import sys

import pytest

from strata.callbacks import History
from strata.utils import plot_history


def make_history(logs_per_epoch, first_epoch=0):
    history = History()
    history.on_train_begin()
    for epoch, logs in enumerate(logs_per_epoch, start=first_epoch):
        history.on_epoch_end(epoch, logs)
    return history


def curves(ax):
    return {
        line.get_label(): ([int(x) for x in line.get_xdata()], list(line.get_ydata()))
        for line in ax.lines
    }


def test_history_gives_a_panel_per_metric_with_validation_loss_first(tmp_path):
    # What `fit(..., validation_split=...)` records, keys in the order Keras 3 logs them.
    values = [(0.7, 0.5, 0.8, 0.25), (0.6, 0.75, 0.7, 0.5), (0.5, 0.75, 0.65, 0.75)]
    names = ("loss", "accuracy", "val_loss", "val_accuracy")
    logs = [dict(sorted(zip(names, row))) for row in values]
    history = make_history(logs)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    fig = plot_history(history, to_file=tmp_path / "history.png")
    assert (tmp_path / "history.png").read_bytes().startswith(b"\x89PNG")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax, name in zip(fig.axes, ["loss", "accuracy"]):
        assert curves(ax) == {
            "training": ([1, 2, 3], history.history[name]),
            "validation": ([1, 2, 3], history.history["val_" + name]),
        }
        assert ax.get_xlabel() == "Epoch"


def test_accepts_the_history_dict_and_a_choice_of_metrics():
    logs = {"loss": [3.0, 2.0], "mae": [1.0, 0.5], "val_loss": [3.5, 2.5]}
    fig = plot_history(logs, metrics=["mae"])
    assert [ax.get_title() for ax in fig.axes] == ["mae"]
    assert curves(fig.axes[0]) == {"training": ([1, 2], [1.0, 0.5])}
    fig = plot_history(logs, metrics="val_loss")  # names the panel of `loss`
    assert curves(fig.axes[0]) == {
        "training": ([1, 2], [3.0, 2.0]),
        "validation": ([1, 2], [3.5, 2.5]),
    }


def test_epochs_come_from_history_epoch_and_sparse_validation_is_placed():
    # fit(initial_epoch=2) records epochs 2, 3, 4 (printed "Epoch 3/5" ...); validation every 3rd.
    history = make_history([{"loss": 1.0}, {"loss": 0.8}, {"loss": 0.7, "val_loss": 0.9}], 2)
    lines = curves(plot_history(history).axes[0])
    assert lines == {"training": ([3, 4, 5], [1.0, 0.8, 0.7]), "validation": ([5], [0.9])}


def test_many_metrics_wrap_into_rows_of_three(tmp_path):
    logs = {name: [1.0, 0.5, 0.25] for name in ("loss", "a", "b", "c", "d")}
    fig = plot_history(logs, to_file=tmp_path / "h.svg")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "a", "b", "c", "d"]
    assert {ax.get_subplotspec().rowspan.start for ax in fig.axes} == {0, 1}
    assert (tmp_path / "h.svg").read_text().lstrip().startswith("<?xml")


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r"no metric 'acc'.*\['loss'\]"):
        plot_history({"loss": [1.0]}, metrics=["acc"])
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history(History())
    with pytest.raises(TypeError, match="expected a History"):
        plot_history([1.0, 2.0])
    with pytest.raises(ValueError, match=r"unknown file extension 'xyz'"):
        plot_history({"loss": [1.0]}, to_file=tmp_path / "h.xyz")
    assert not list(tmp_path.iterdir())


def test_without_matplotlib_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install strata\[plot\]"):
        plot_history({"loss": [1.0]})
