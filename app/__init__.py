"""lmviz.app: the Textual explorer and the command line."""
