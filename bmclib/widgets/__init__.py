"""Exercise widgets (ipywidgets), loaded only when first used."""
