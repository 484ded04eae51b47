"""Settings shared by the tests (importable through pytest's ``pythonpath = tests``)."""

TINY = dict(dataset="digits", image_size=16, width=4, batch_size=8, latent_dim=8, seed=0)
"""Options that make any image variant train in a fraction of a second."""
