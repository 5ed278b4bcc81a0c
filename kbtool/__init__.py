"""kbtool: keep what your bugs taught you.

The library is usable on its own; ``kbtool.cli`` is a thin layer over it.
Submodules are imported lazily by their users so that the command line starts fast.
"""

__version__ = "0.1.0"
