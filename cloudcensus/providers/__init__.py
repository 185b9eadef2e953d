"""Cloud providers: one sub-package per cloud, found through entry points."""
