"""Entry point: page setup and navigation only; every page lives in fmnist_demo/pages/."""

import streamlit as st

st.set_page_config(page_title="Fashion-MNIST demo", page_icon=":material/apparel:", layout="wide")

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
st.navigation(pages).run()
