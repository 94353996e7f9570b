"""Regularization layers: noise and penalties that act only while training."""
