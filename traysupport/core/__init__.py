"""Pure domain logic: no I/O, no Qt, no clock reads (`now` is always passed in)."""
