"""digitnet: handwritten digit recognition with neural networks written from scratch in NumPy.

The seed notebook's workflow, as a library::

    import digitnet
    Xtr, ytr, Xte, yte = digitnet.load_mnist()
    net = digitnet.Network(hidden=(128,), lam=1.0, optimizer="tnc").fit(Xtr, ytr)
    net.score(Xte, yte)
    net.save("digitnet-model.npz")
"""

__version__ = "0.1.0"

from digitnet.datasets import MnistData, download_mnist, load_mnist, load_sample
from digitnet.errors import (
    DataError,
    DigitnetError,
    DownloadError,
    ImageError,
    ModelFileError,
    NoDigitError,
)
from digitnet.idx import read_idx, write_idx
from digitnet.model import Network, import_seed
from digitnet.model_io import load_model, read_seed_params, save_model
from digitnet.network import cost_and_grad, scale_pixels
from digitnet.prepare import prepare_digit
from digitnet.reading import read_digit, read_number

load = Network.load

__all__ = [
    "DataError",
    "DigitnetError",
    "DownloadError",
    "ImageError",
    "MnistData",
    "ModelFileError",
    "NoDigitError",
    "Network",
    "__version__",
    "cost_and_grad",
    "download_mnist",
    "import_seed",
    "load",
    "load_mnist",
    "load_model",
    "load_sample",
    "prepare_digit",
    "read_digit",
    "read_number",
    "read_idx",
    "read_seed_params",
    "save_model",
    "scale_pixels",
    "write_idx",
]
