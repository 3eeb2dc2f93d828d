"""Load a script of this repository (``tools/*.py``, ``benchmarks/*.py``) as a module.

The tools and benchmarks are scripts, not a package; the tests call their ``main(argv)``. While
the script executes, its folder is first on ``sys.path``, as it is when Python runs the script
(a benchmark imports its sibling modules by name).
"""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_script(relative: str) -> ModuleType:
    """``tools/train.py`` -> the module ``script_tools_train``, freshly executed.

    Args:
        relative (str): The script's path from the repository root.
    """
    path = REPO_ROOT / relative
    spec = importlib.util.spec_from_file_location(f'script_{path.parent.name}_{path.stem}', path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module."""
    return load_script(f'tools/{name}.py')
