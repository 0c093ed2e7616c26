"""exoqc: check exosome (EV) product batches against a release specification."""

__version__ = "0.1.0"
