"""Layer 5, publish: a build leaving the project (ADR 0017).

``release``: every export of the checked build in one folder with checksums; ``push``: the build onto a
triple store (Graph Store Protocol); ``serve``: the build on a local read-only Oxigraph server; ``diff``: the
clinical difference between two builds.
"""
