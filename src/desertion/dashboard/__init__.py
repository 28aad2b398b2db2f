"""A local web dashboard (Streamlit) over the Python API: ``desertion dashboard``."""
