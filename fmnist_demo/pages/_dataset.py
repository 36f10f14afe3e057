"""The Fashion-MNIST arrays for the pages: loaded once per server, shared read-only by all.

`st.cache_resource`, not `cache_data`, which would copy about 50 MB per call. A cache decorator's
`show_spinner` text is fixed when the module is imported, so the load says what it does with an
`st.spinner` inside the cached function instead: it runs only on a miss, in the script thread of
the visitor who waits for it, in their language.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_demo.data import DatasetUnavailable, load_fashion_mnist
from fmnist_demo.i18n import _


@st.cache_resource(show_spinner=False)
def dataset() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The dataset arrays, loaded once per server and shared read-only by all visitors."""
    with st.spinner(_("Loading the 70,000 Fashion-MNIST images…")):
        return load_fashion_mnist()


def dataset_problem(exc: DatasetUnavailable) -> str:
    """What to tell a person when the images are missing."""
    return _("The Fashion-MNIST images are not available. {problem}").format(problem=exc)


def dataset_or_message() -> tuple | None:
    """The dataset, or None after telling the person in plain words why it is missing."""
    try:
        return dataset()
    except DatasetUnavailable as exc:
        st.error(dataset_problem(exc), icon=":material/error:")
        return None
