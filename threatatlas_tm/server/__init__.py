"""The optional server: the hosted endpoint's URLs over the YAML models of a folder."""
