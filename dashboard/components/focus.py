"""Keep the scan field focused: a barcode scanner types the code and Enter, and nobody touches a mouse.

Streamlit rebuilds the page after every scan, and the field loses focus whenever a button or checkbox is
touched. A small script in the page puts the focus back on the field whenever nothing that takes typing has it.
"""

import json

import streamlit as st

_SCRIPT = """
<script>
(function () {
  const label = %s;
  const w = window.parent || window;
  const doc = w.document;
  w.__materialsFocusLabel = label;
  if (w.__materialsFocus) { return; }
  function typing(el) {
    if (!el || el === doc.body) { return false; }
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag === "INPUT") {
      return !["checkbox", "radio", "button", "submit"].includes((el.type || "").toLowerCase());
    }
    return el.getAttribute("role") === "combobox" || el.isContentEditable;
  }
  function refocus() {
    const field = doc.querySelector('input[aria-label="' + w.__materialsFocusLabel + '"]');
    if (field && !field.disabled && doc.activeElement !== field && !typing(doc.activeElement)) {
      field.focus();
    }
  }
  w.__materialsFocus = w.setInterval(refocus, 150);
  refocus();
})();
</script>
"""


def keep_focus(label: str) -> None:
    """Keep keyboard focus on the text input whose label is `label` (call once per page run)."""
    st.html(_SCRIPT % json.dumps(label), unsafe_allow_javascript=True)
