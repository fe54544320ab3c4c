"""Structure-aware coverage fuzzing of the wRPC reference codec, framing and invocation
machines: targets (``targets/``), the structure-aware mutator (``mutator.py``), atheris
wrappers (``run.py``), campaigns (``campaign.py``), findings to vectors (``to_vector.py``).
See fuzz/README.md."""
