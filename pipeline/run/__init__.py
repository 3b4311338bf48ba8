"""Running the pipeline: one input to its build folder's files with no I/O (convert), the one
atomic writer of build folders (artifacts), and the drivers: a process pool (batch), a Dask
cluster (cluster), a stage rerun from a saved model (rerun)."""
