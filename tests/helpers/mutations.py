"""Hypothesis strategies that damage json documents and files, for the fuzz tests.

A mutation walks from the document's root into a random value (object field or list item) and
then changes it: removes it, repeats it, truncates or retypes it, or turns a number into NaN or
infinity. Its description says where, so a failing example reads as a bug report.
"""
import copy
import math
from typing import Any, List, Tuple

from hypothesis import strategies as st

#: Values a field may be replaced with (each of another type than most fields expect).
REPLACEMENTS = ('', 'x', None, True, [], {}, -1, 1.5, float('nan'), float('inf'),
                -float('inf'), [1, 2], {'a': 1})


def _children(value: Any) -> List[Tuple[Any, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return list(enumerate(value))
    return []


@st.composite
def mutated_documents(draw, doc: dict, max_depth: int = 4) -> Tuple[dict, str]:
    """A copy of ``doc`` with one random change, and a description of it.

    Args:
        doc (dict): A valid json document.
        max_depth (int): How deep into the document the change may go.

    Returns:
        tuple: The changed document and where / what was changed.
    """
    doc = copy.deepcopy(doc)
    parent, key, where = None, None, ''
    value = doc
    depth = draw(st.integers(1, max_depth))
    for _ in range(depth):
        children = _children(value)
        if not children:
            break
        parent = value
        key, value = children[draw(st.integers(0, len(children) - 1))]
        where += f'[{key!r}]'
    if parent is None:
        return doc, 'unchanged'
    operations = ['drop', 'replace']
    if isinstance(value, list) and value:
        operations += ['truncate', 'repeat_item']
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        operations += ['nan', 'inf']
    operation = draw(st.sampled_from(operations))
    if operation == 'drop':
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    elif operation == 'replace':
        parent[key] = draw(st.sampled_from(REPLACEMENTS))
    elif operation == 'truncate':
        parent[key] = value[:draw(st.integers(0, len(value) - 1))]
    elif operation == 'repeat_item':
        value.append(copy.deepcopy(value[draw(st.integers(0, len(value) - 1))]))
    else:
        parent[key] = math.nan if operation == 'nan' else math.inf
    return doc, f'{operation} {where}'


@st.composite
def damaged_bytes(draw, data: bytes) -> Tuple[bytes, str]:
    """``data`` truncated, with flipped bytes, or emptied; and a description."""
    kind = draw(st.sampled_from(['truncate', 'flip', 'empty']))
    if kind == 'empty':
        return b'', 'empty'
    if kind == 'truncate':
        end = draw(st.integers(0, len(data) - 1))
        return data[:end], f'truncated at {end}'
    out = bytearray(data)
    positions = draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8))
    for pos in positions:
        out[pos] ^= draw(st.integers(1, 255))
    return bytes(out), f'bytes flipped at {positions}'
