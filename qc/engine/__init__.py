"""The check engine: the only code that reads a cell. Evaluation lives in `evaluate`."""
