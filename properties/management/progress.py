"""Progress bars for management commands."""

from __future__ import annotations

from typing import Any, TextIO, cast

from django.core.management.base import OutputWrapper
from tqdm import tqdm


def progress_bar(stream: OutputWrapper, **options: Any) -> tqdm:
    """A tqdm bar on a command's stream, drawn on the file underneath it: the wrapper would end every redraw
    with a newline."""
    return tqdm(file=cast(TextIO, stream._out), dynamic_ncols=True, **options)
