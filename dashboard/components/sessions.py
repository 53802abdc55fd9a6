"""Logins that outlive a browser reload: a scan station on a wall must not ask for a password after a refresh.

At login the server makes a random token (256 bits), stores only its SHA-256 with the user and an expiry
(ScreenSession), and the page puts the token in a cookie. On a reload Streamlit hands the browser's cookies to
the new session (st.context.cookies, read-only); a token that is known, not ended, not expired and whose user is
still active logs the browser in again and pushes the expiry on. Logging out ends the row, so the token is worth
nothing even if a copy of the cookie survives. The password is never kept anywhere.

The cookie is written by a script in the page (Streamlit cannot set cookies itself), so it is not HttpOnly: the
screens run on the library's LAN, and the token is only good for the screens and until it expires or is ended.
"""

import json
from datetime import timedelta

import streamlit as st

COOKIE = "materials_screens"
TOKEN_KEY = "screen_token"
FORGET_KEY = "screen_forget_cookie"


def browser_token() -> str | None:
    """The token the browser sent when this session connected (None in tests without a browser)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser connection (bare runs)
        return None
    return value if isinstance(value, str) and value else None


_COOKIE_SCRIPT = """
<script>
(function () {
  const doc = (window.parent || window).document;
  const secure = doc.location.protocol === "https:" ? "; Secure" : "";
  doc.cookie = %s + "=" + %s + "; Path=/; Max-Age=" + %d + "; SameSite=Strict" + secure;
})();
</script>
"""


def write_cookie(token: str, max_age: timedelta) -> None:
    """Keep `token` in the browser for `max_age` (a zero age deletes the cookie)."""
    st.html(
        _COOKIE_SCRIPT % (json.dumps(COOKIE), json.dumps(token), int(max_age.total_seconds())),
        unsafe_allow_javascript=True,
    )
