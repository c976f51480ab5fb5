# pytest imports this directory as the package `llama_index` (tests/ has no __init__.py), which
# would hide the real llama_index namespace package; extend the path so both resolve.
import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)
