# Loaded by CPython at start-up when test/tools/regen.mjs runs a golden program (PYTHONPATH points
# here). Teaches `import helper` to find `helper.spy` next to the script, as spy does, and names
# such modules by their path relative to the working directory (the repo root), so tracebacks
# through them read `File "test/golden/modules/_helper.spy"` — what spy prints — not an absolute path.
import os
import sys
from importlib import _bootstrap_external as _bx
from importlib.machinery import FileFinder, SourceFileLoader


class _SpyLoader(SourceFileLoader):
    def __init__(self, fullname, path):
        rel = os.path.relpath(path)
        if not rel.startswith('..'):
            path = rel
        super().__init__(fullname, path)


_loaders = _bx._get_supported_file_loaders() + [(_SpyLoader, ['.spy'])]
sys.path_hooks.insert(0, FileFinder.path_hook(*_loaders))
sys.path_importer_cache.clear()
