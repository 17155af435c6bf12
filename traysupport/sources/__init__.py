"""The outside world: one module per scheduling or ticket tool."""
