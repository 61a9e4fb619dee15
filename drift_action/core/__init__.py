"""The base every stage shares: the records that flow between stages (`model`), object identity
and scope, the user-facing errors, paths and files, limits, the YAML reader, and `tools`, the
one module that runs programs. Nothing here imports a stage."""
