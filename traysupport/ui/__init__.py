"""The desktop layer: the only package that imports Qt."""
