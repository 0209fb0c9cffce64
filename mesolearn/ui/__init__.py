"""The Streamlit front end. Thin: it reads state, calls the core, renders. Only this package imports Streamlit."""
