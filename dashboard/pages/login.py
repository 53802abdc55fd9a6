"""Log ind: user name and password (argon2 in materials.services.auth)."""

import streamlit as st

from dashboard.components.context import DATABASE_DOWN, RESUME_FAILED_KEY, ScreenUser, log_in, now, reader, writer
from materials.services.auth import AuthenticationFailed, authenticate_user
from materials.services.screen_sessions import open_session

st.title("Materialeteamet")
st.caption("Københavns Biblioteker · sortering, plukning, kasser, køer og planlægning")
if st.session_state.get(RESUME_FAILED_KEY):
    st.warning(
        "Databasen svarer ikke, så du blev ikke logget ind igen. Genindlæs siden om lidt: "
        "så logger den dig ind af sig selv, når databasen svarer igen."
    )

with st.form("login_form", border=True):
    username = st.text_input("Brugernavn", key="login_username")
    password = st.text_input("Adgangskode", type="password", key="login_password")
    submitted = st.form_submit_button("Log ind", key="login_submit", type="primary")

if submitted:
    try:
        with reader() as session:
            user = authenticate_user(session, username=username.strip(), password=password)
        with writer() as session:  # so a reload of the browser keeps the login (dashboard.components.sessions)
            token = open_session(session, username=user.username, at=now())
    except AuthenticationFailed:
        st.error("Forkert brugernavn eller adgangskode. Prøv igen.")
        st.stop()
    except DATABASE_DOWN:
        st.error("Databasen svarer ikke, så du kan ikke logge ind lige nu. Prøv igen om lidt.")
        st.stop()
    log_in(ScreenUser(username=user.username, role=user.role, station=user.station), token)
    st.rerun()
