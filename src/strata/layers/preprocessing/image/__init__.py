"""Image preprocessing layers (`Resizing`, `CenterCrop` and the random augmentation layers),
each in its own module; `strata.layers` re-exports them."""
