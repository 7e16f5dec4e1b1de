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


class ImageError(DigitnetError):
    """An input image cannot be read: not an image, damaged, or too large."""


class ImageTooLargeError(ImageError):
    """An image's dimensions exceed the limit (a decompression bomb, or simply too big)."""


class NotAnImageError(ImageError):
    """The data is not in any image format Pillow can read (or is empty)."""


class NoDigitError(DigitnetError):
    """An image holds no ink: blank, uniform, or only noise. Never guessed."""
