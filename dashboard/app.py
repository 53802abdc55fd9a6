"""The screens' one entry file: log in, then the pages the user's role may open (st.navigation)."""

import streamlit as st

from dashboard.components.context import current_user, log_out, remember_login, resume_from_browser
from dashboard.roles import screens_for

st.set_page_config(page_title="Materialeteamet", page_icon=":material/local_library:", layout="wide")
# Streamlit's English "Press Enter to submit form" under each scan field: the Danish placeholder already says it.
st.html("<style>[data-testid='InputInstructions'] { display: none; }</style>")

user = current_user() or resume_from_browser()
if user is None:
    page = st.navigation([st.Page("pages/login.py", title="Log ind", icon=":material/login:", default=True)])
else:
    page = st.navigation(
        [
            st.Page(screen.path, title=screen.title, icon=screen.icon, url_path=screen.key)
            for screen in screens_for(user.role)
        ]
    )
    with st.sidebar:
        station = f" · {user.station}" if user.station else ""
        st.caption(f"Logget ind som **{user.username}** ({user.role}{station})")
        if st.button("Log ud", key="logout", icon=":material/logout:"):
            log_out()
            st.rerun()
        remember_login()
if user is None:
    remember_login()  # forgets the cookie of a login that has ended
page.run()
