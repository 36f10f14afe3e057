"""Entry point: page setup, language and navigation only; every page lives in fmnist_demo/pages/."""

from pathlib import Path

import streamlit as st

from fmnist_demo.foreground import one_thread_per_operation, serving
from fmnist_demo.i18n import _
from fmnist_demo.pages._language import language_picker, start_language
from fmnist_demo.pages._preload import preload_tensorflow
from fmnist_demo.pages._screen import tap_targets
from fmnist_demo.pages._user_model_ui import keep_model_across_reloads

one_thread_per_operation()  # before TensorFlow starts: learning leaves cores to visitors
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"  # shipped: no font from the internet
start_language()  # before the first word is drawn
st.set_page_config(page_title=_("Fashion-MNIST demo"), page_icon=str(ICON), layout="wide")

pages = {
    _("The chapter"): [
        st.Page("fmnist_demo/pages/home.py", title=_("Home"), icon=":material/home:", default=True),
        st.Page(
            "fmnist_demo/pages/browse.py", title=_("Browse the data"), icon=":material/grid_view:"
        ),
        st.Page(
            "fmnist_demo/pages/train_live.py",
            title=_("Train live"),
            icon=":material/model_training:",
        ),
        st.Page("fmnist_demo/pages/results.py", title=_("Results"), icon=":material/insights:"),
        st.Page(
            "fmnist_demo/pages/quiz.py",
            title=_("You against the model"),
            icon=":material/sports_esports:",
        ),
    ],
    _("Try it"): [
        st.Page(
            "fmnist_demo/pages/classify.py",
            title=_("Classify a photo"),
            icon=":material/photo_camera:",
        ),
        st.Page(
            "fmnist_demo/pages/catalogue.py", title=_("Catalogue"), icon=":material/inventory_2:"
        ),
    ],
}
page = st.navigation(pages)
language_picker()
tap_targets()  # a finger's size for every button and choice on a phone, on every page
keep_model_across_reloads()  # a trained model survives a reload: its token rides in the URL
try:
    with serving():  # learning in the background gives way while this page is made
        page.run()
finally:
    preload_tensorflow()  # once per server, after the first page is on the screen
