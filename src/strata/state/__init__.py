"""Variables and the scope that maps them to traced values inside compiled functions."""
