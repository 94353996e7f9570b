"""The symbolic graph: tensors without values, the nodes that connect them, and DAG walks."""
