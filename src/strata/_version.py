"""`version()`: strata's version string, as Keras's ``keras.version()``."""


def version() -> str:
    """The installed strata version.

    Example:
        >>> import strata
        >>> version() == strata.__version__
        True
    """
    import strata

    return strata.__version__
