"""Reference implementation of wRPC (value codec, framing, testee) and wasi:sockets model."""
