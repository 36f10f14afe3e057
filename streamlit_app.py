"""Entry point: page setup and navigation only; every page lives in fmnist_demo/pages/."""

from pathlib import Path

import streamlit as st

from fmnist_demo.pages._common import keep_model_across_reloads, preload_tensorflow

ICON = Path(__file__).resolve().parent / "assets" / "icon.png"  # shipped: no font from the internet
st.set_page_config(page_title="Fashion-MNIST demo", page_icon=str(ICON), layout="wide")

pages = {
    "The chapter": [
        st.Page("fmnist_demo/pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page(
            "fmnist_demo/pages/browse.py", title="Browse the data", icon=":material/grid_view:"
        ),
        st.Page(
            "fmnist_demo/pages/train_live.py", title="Train live", icon=":material/model_training:"
        ),
        st.Page("fmnist_demo/pages/results.py", title="Results", icon=":material/insights:"),
    ],
    "Try it": [
        st.Page(
            "fmnist_demo/pages/classify.py",
            title="Classify a photo",
            icon=":material/photo_camera:",
        ),
        st.Page("fmnist_demo/pages/catalogue.py", title="Catalogue", icon=":material/inventory_2:"),
    ],
}
page = st.navigation(pages)
keep_model_across_reloads()  # a trained model survives a reload: its token rides in the URL
try:
    page.run()
finally:
    preload_tensorflow()  # once per server, after the first page is on the screen
