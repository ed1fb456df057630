"""Building the training and evaluation corpora from synthetic and hand-annotated letters."""
