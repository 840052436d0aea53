"""nasbook: a Jupyter-first reproducibility workbook for neural architecture search.

Modules are named after what they hold:
  config    where data, caches, results and figures live; device; seeding
  files     atomic writes and checksums of the data files a run touched
  store     the result store keyed by (experiment, configuration, item)
  profiles  smoke / cpu / paper settings per notebook
  outputs   figures, tables and the run manifest of one notebook execution
  data      CIFAR-10 and the NAS-Bench-201 table
  spaces    the NAS-Bench-201 search space and network
  models    CIFAR ResNets and VGGs
  train     the training / evaluation loop
"""
__version__ = "0.1.0"
