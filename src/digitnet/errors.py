"""The exceptions digitnet raises for bad input.

Each one is a ``ValueError`` whose message is one line: what is wrong, where,
and what to do. The command line prints that line and exits with status 2.
"""


class DigitnetError(ValueError):
    """Base class: a problem with the user's input, files or options."""


class DataError(DigitnetError):
    """A data file is missing, damaged or not what it claims to be."""


class ModelFileError(DigitnetError):
    """A model file cannot be read, or does not describe a digitnet network."""


class DownloadError(DataError):
    """MNIST could not be downloaded (offline, or every mirror failed)."""
