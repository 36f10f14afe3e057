"""fmnist-demo: the Fashion-MNIST chapter as a web app, and a camera classifier for real items."""


def _return_large_blocks_to_the_system() -> None:
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
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # -3: M_MMAP_THRESHOLD in glibc's malloc.h
    except (OSError, AttributeError):
        pass


_return_large_blocks_to_the_system()
