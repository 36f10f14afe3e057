"""The server's memory: handing freed memory back to the system, and freeing dropped models.

No Streamlit and no TensorFlow here. The package applies `return_large_blocks_to_the_system` as it
is imported; training and teaching jobs call `collect_garbage` before they start.
"""

from __future__ import annotations

import ctypes
import gc
from functools import lru_cache


def return_large_blocks_to_the_system() -> None:
    """Let the C library give every large freed block (1 MiB and up) straight back to the system.

    glibc keeps freed blocks of up to 32 MiB for reuse once a program has freed one such block,
    and in a server whose threads come and go (each visit's script runs, each training) those
    blocks end up scattered over many pools: the 30-50 MB of arrays a training and its test run
    use were kept each time, and the server grew about 9 MiB per training (367 MiB over 40) with
    little of it in use. A fixed limit keeps them returnable. Set here, on the package's import,
    because it has to happen before the large arrays come and hosts such as Community Cloud offer
    no way to set glibc's MALLOC_ variables before the server starts. Elsewhere (macOS, Windows,
    musl) nothing to do.
    """
    libc = _glibc()
    if libc is not None:
        libc.mallopt(-3, 1 << 20)  # -3: M_MMAP_THRESHOLD in glibc's malloc.h


def collect_garbage() -> None:
    """Free every object that is only kept by reference cycles, then hand memory back.

    A Keras model refers to itself in many ways (layers to model, functions to layers), so a
    dropped model is freed only by Python's full collection. That collection runs rarely in a
    process holding TensorFlow's hundreds of thousands of objects, so a server making one model
    per training held many dropped models (each with its weights, optimizer state and graphs)
    before one ran. A full collection costs about 0.15 s of this thread's time.
    """
    gc.collect()
    release_free_memory()


def release_free_memory() -> None:
    """Hand memory freed by the C library back to the system (glibc on Linux; elsewhere nothing).

    A server's threads each keep freed blocks in their own pools; a long demo day of trainings
    (tens of MB of arrays each) otherwise ratchets the server's resident memory upwards.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (with mallopt and malloc_trim), else None (macOS, Windows,
    musl: nothing to tune)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
