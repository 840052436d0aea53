"""nasbook: a Jupyter-first reproducibility workbook for neural architecture search.

Modules are named after what they hold (CONTRIBUTING.md has the full map):
  config       where data, caches, results and figures live; device; seeding
  files        atomic writes and checksums of the data files a run touched
  store        the result store keyed by (experiment, configuration, item)
  profiles     smoke / cpu / paper: one table per notebook, resolved once into a Profile
  notebook     one notebook execution: parameters, outputs, claims (`ex.start(globals())`)
  outputs      figures, tables and the run manifest of one notebook execution
  claims       the claims registry: computed verdicts, claims.csv, the README table
  stats        intervals behind the verdicts (bootstrap, binomial, sample std)
  data         CIFAR-10 and the NAS-Bench-201 table (the one access point for both)
  spaces       the NAS-Bench-201 and DARTS search spaces and the NB201 network
  models       CIFAR ResNets and VGGs
  train        the training / evaluation loop
  rmi, teacher RMI-NAS's score and its teachers
  search       searches driven by a signal (RS, REA, REINFORCE, RMI-NAS, GP-NAS, RANK-NOSH)
  supernet     the weight-sharing supernets and the one supernet trainer (DARTS, GDAS, DrNAS,
               VIM-NAS, DARTS-PT)
  proxies, shuffle, discretization   zero-cost proxies, layer shuffling, discretization accuracy
  experiments  everything a notebook computes, one module per notebook
  burst        the paper profile's pending work in GPU bursts: a plan, a deadline, one archive
"""
__version__ = "0.1.0"
