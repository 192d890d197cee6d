"""The application layer, between the command line (scendsl.cli) and the stages.

- pipeline: load the files named on the command line, evaluate every scenario with its Monte
  Carlo run, find a scenario or sweep variant by name
- build: the `scendsl build` driver (load, evaluate, views, render, write through scendsl.files)
- pools: the forked worker processes of a build and the work shared with them
- collector: the cyclic garbage collector paused while a command runs
- gitsnap: the `.scn` files of a git revision, for `scendsl diff --git`

Layers, each importing only those below it: cli > app > report > model > catalog > language >
scenario > errors.
"""
