"""The runner: a study's steps as a dependency graph, run in parallel and incrementally, locally or on Dask.

``cdiscflow run [STUDY] [-j N] [--only ID...] [--dry-run] [--force] [--scheduler tcp://host:port]``

* **Graph** (:mod:`.plan`): simulate (or ``--raw DIR``) → sdtm → adam:<DATASET> … → validate, define →
  tlf:<output> … → tlf-pdf → package, built from the study's specs and ``tlf/catalog.yaml``. ``--only`` takes
  step ids, stages (``adam``) or names (``ADSL``, ``t-14-2-01``) and adds what they need.
* **Incremental** (:mod:`.hashing`, :mod:`.schedule`, :mod:`.state`): a step re-runs only when the sha256 of its
  inputs (spec files, study programs, raw files, outputs of the steps it reads), its parameters, its code
  (``cdiscflow.__version__`` + the stage's source files) or ``SOURCE_DATE_EPOCH`` changed, or when its recorded
  outputs are gone or edited — never by timestamps (``out/<study>/.hashes.json`` remembers each file's size,
  mtime and sha256, so an unchanged file is not read again). State: ``out/<study>/.state.json``. A step whose inputs
  re-ran but came out byte-identical stays up to date.
* **Failures**: a failing step (or a stage not built yet: *unavailable*) does not stop independent steps; its
  dependants are *skipped*; the summary lists each with its reason and log; exit status 1.
* **Execution** (:mod:`.executors`, :mod:`.execute`): ``-j 1`` inline, ``-j N`` a process pool, ``--scheduler``
  a Dask cluster (optional extra ``cdiscflow[dask]``; workers must see the same ``--out`` folder). Each step
  writes into a staging folder and is published with ``os.replace`` only on success; its prints and logging go
  to ``out/<study>/logs/<step>.log``.
* **Dates and determinism**: ``SOURCE_DATE_EPOCH`` is pinned for the run: the clock at its start by default;
  with ``--reproducible`` the environment's, else study.yaml ``source_date_epoch``, else 1767225600
  (2026-01-01T00:00:00Z); a ``SOURCE_DATE_EPOCH`` in the environment is always used. Two reproducible runs give byte-identical
  outputs, ``manifest.json`` (every input and output with sha256, spec and code versions, the command line —
  which is left out when runs are compared), ``package.zip`` and ``index.html``.
* After the run: ``out/<study>/manifest.json`` and ``out/<study>/index.html`` (:mod:`cdiscflow.submission.index`).
"""
