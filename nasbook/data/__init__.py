"""CIFAR-10 (uint8 on the device, augmented with tensor ops) and the NAS-Bench-201 table.

  cifar10(split) -> (x uint8 [N,3,32,32], y int64 [N])   splits train/test/search_train/search_valid
  Loader(split_or_(x, y), batch_size, *, train, ...)     normalised float batches on the device
  normalize, augment, CIFAR_MEAN/STD, IMAGENET_MEAN/STD
  nb201.load_table(), nb201.Benchmark, nb201.TEST/VALID  (module nasbook.data.nb201)
  status(), fetch(what), teacher_checkpoint(depth)       data management (the CLI's `nasbook data`)
  DataError                                              missing or corrupt data
"""
from . import nb201
from .cifar import CLASSES, SPLIT_SEED, SPLITS, cifar10, search_split
from .download import TEACHERS, fetch, status, teacher_checkpoint
from .errors import DataError
from .loader import CIFAR_MEAN, CIFAR_STD, IMAGENET_MEAN, IMAGENET_STD, Loader, augment, balanced_subset, normalize

__all__ = ["CIFAR_MEAN", "CIFAR_STD", "CLASSES", "DataError", "IMAGENET_MEAN", "IMAGENET_STD", "Loader",
           "SPLITS", "SPLIT_SEED", "TEACHERS", "augment", "balanced_subset", "cifar10", "fetch", "nb201",
           "normalize", "search_split", "status", "teacher_checkpoint"]
