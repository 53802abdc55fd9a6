"""dashboard: the Streamlit screens of the sorting room, the managers and the data staff."""
