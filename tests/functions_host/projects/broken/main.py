"""A project whose import fails: the host must say so and keep running."""

raise ImportError("this project is broken on purpose")
