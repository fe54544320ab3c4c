"""The wasi:sockets part: a probe component (conformance/probe) runs scripts of socket calls in
real runtimes (adapters/), against host-side loopback fixtures (fixtures.py); scenarios are
judged against the executable model in wasmnet_reference.sockets."""
